"""Sending a batch of composed emails over one SMTP session, then recording each outcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracker import mail
from tracker.services.reminders import record
from tracker.services.reminders.outgoing import Outcome, Outgoing
from tracker.settings import Settings


def deliver(batch: Sequence[Outgoing], now: datetime, settings: Settings) -> Outcome:
    """Send ``batch`` over one connection and record every outcome (committed, even when the
    batch is empty, so cancellations made before it are kept); return the counts.

    When no session can be opened, every email of the batch is recorded as failed.
    """
    results: list[tuple[bool, str]] = []
    if batch:
        try:
            results = [(r.ok, r.error or "") for r in mail.send([o.message for o in batch])]
        except mail.MailError as error:
            results = [(False, str(error))] * len(batch)
    return record.outcomes(batch, results, now, settings)
