"""Reminders: the daily sweep, retries, nudges, policies, and what the status and log pages show.

A reminder's path, from the scheduler's job to the SMTP server (each step in one module,
each using only the steps after it):

1. ``sweep``: the daily sweep (``run_sweep``), once at a time (``lock``).
2. ``sources``: what it plans from: open assignments, policies, the ledger, recipients.
3. ``tracker.domain.reminders``: which notices are due today (``planning``), grouped into one
   email per recipient (``routing``); the coordinators' daily digest (``coordinators``).
4. ``coordinators``: the coordinators' daily digest and weekly summary of their tasks.
5. ``claim``: one ledger row per item and recipient, exactly once across processes; what no
   longer applies at send time is cancelled.
6. ``compose``: each email rendered in its recipient's language, as ``outgoing`` emails.
7. ``send``: one SMTP session per batch.
8. ``record``: the email log, the ledger's outcomes (with retry times), the sweep's run.

``retry`` sends failed emails again (rebuilt and re-checked) along steps 5 to 8; ``nudges``
lets a coordinator remind focal points now along the same steps. ``policies``, ``status`` and
``email_log`` serve the pages.
"""
