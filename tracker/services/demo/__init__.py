"""Demo data: the programme's world as its six-month report of 2024 describes it.

The whole world is planned first, deterministically (one ``random.Random(2024)``, whatever
the database holds), then only what the database lacks is written, matched by natural keys:
unit code (``valid_from`` None), user email, task title, (task, unit) for assignments. A second
run creates nothing; a half-loaded database is completed with the same rows a fresh load gives.
"""
