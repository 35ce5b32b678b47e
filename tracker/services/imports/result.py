"""What an import did or would do: names created and updated, counts, or every bad row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.models import User
from tracker.services.imports.columns import RowError


@dataclass
class Plan:
    """What a file asks for, worked out without writing; ``apply`` writes it (no commit)."""

    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    assignments: int = 0  # tasks: assignments the import adds

    def apply(self, actor: User | None, now: datetime) -> None:
        raise NotImplementedError

    def invitees(self) -> list[User]:
        """Return the accounts the applied import created (only user imports have any)."""
        return []


@dataclass
class ImportResult:
    """The outcome of one import: the errors (then nothing was written) or the changes."""

    kind: str
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    assignments: int = 0
    invited: int = 0  # invitations queued in the outbox

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created_total(self) -> int:
        return len(self.created)

    @property
    def updated_total(self) -> int:
        return len(self.updated)

    @property
    def errors_total(self) -> int:
        return len(self.errors)

    @property
    def changes(self) -> bool:
        return bool(self.created or self.updated or self.assignments)

    def counts(self) -> dict[str, int]:
        """Return the counts recorded on the import's event."""
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "assignments": self.assignments,
        }


def plain(value):
    """Return ``value`` as JSON can store it (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, date) else value
