"""Emails composed in memory and about to be sent, each with the ledger rows it settles,
and the count of what became of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_mail import Message

from tracker.mail import Recipient


@dataclass(frozen=True)
class Outgoing:
    """One composed email: to whom, of which kind in the email log ("reminder",
    "escalation", "digest", "weekly", "nudge"), and the ledger rows it settles."""

    message: Message
    to: Recipient
    kind: str
    keys: Sequence[str] = field(default_factory=tuple)
    unit_id: int | None = None


@dataclass
class Outcome:
    """How many emails were sent or failed, and how many ledger rows were cancelled."""

    sent: int = 0
    failed: int = 0
    cancelled: int = 0

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(
            self.sent + other.sent, self.failed + other.failed, self.cancelled + other.cancelled
        )
