"""Reminders: the daily sweep, nudges, policies, and what the status and log pages show.

A reminder's path, from the scheduler's job (or ``tracker remind``) to the outbox, each step
in one module, each using only the steps after it:

1. ``sweep``: the daily sweep (``run_sweep``), once at a time (``lock``), its runs
   recorded (``record``).
2. ``sources``: what it plans from: open assignments, policies, the ledger, recipients.
3. ``tracker.domain.reminders``: which notices are due today (``planning``), grouped into one
   email per recipient (``routing``); the coordinators' daily digest, listing the day's
   escalations (``coordinators``); ``coordinators`` here loads what the digests need.
4. ``batch``: a few hundred emails per transaction, one address one email (a coordinator's
   digest carries whatever else the address is due):
5. ``claim``: one ledger row per item and recipient, exactly once across processes; what no
   longer applies is written cancelled;
6. ``compose``: each email rendered once, in its recipient's language, as a letter;
7. ``tracker.services.outbox.queue``: the letters queued, then the ledger rows written
   pointing at them, and the batch committed: a claim never exists without its queued
   email. The outbox's sender
   delivers them, retries, and marks the ledger rows sent or failed.

``nudges`` lets a coordinator remind focal points now along steps 4 to 7, in the request's
transaction. ``policies``, ``status`` and ``email_log`` serve the pages.
"""
