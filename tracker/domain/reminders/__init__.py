"""Reminder planning, pure: what each assignment is due for today and who receives it.

- ``policy``: the reminder policy (when focal points are reminded and heads escalated to).
- ``planning``: the stages of a deadline, each assignment's notices of the day
  (``plan_sweep``) and the ledger key of each (``ledger_key``).
- ``routing``: one email per recipient grouping that person's notices (``route_notices``,
  ``group_notices``), and the notices that reach nobody.
- ``coordinators``: the coordinators' daily digest and when it and the weekly summary go out.

The shell (``tracker.services.reminders``) loads snapshots and the ledger, calls
``plan_sweep`` then ``route_notices``, claims one ledger row per (notice, recipient), and
queues the emails.
"""
