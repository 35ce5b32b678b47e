"""The reminder policy: when a task's focal points are reminded and its unit heads escalated to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_BEFORE_STAGES = 10
# About one working year: beyond it a "reminder" is no longer one, and a typo (700 for 7)
# would otherwise be accepted silently.
MAX_WORKING_DAYS = 250

_FIELDS = ("before", "on_due_day", "overdue_every", "escalate_after")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class PolicyError(ValueError):
    """Raised by `ReminderPolicy.from_dict` for stored data that is not a usable policy."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """Reminders `before` working days ahead of the due date, one on the due day, an overdue
    notice every `overdue_every` working days, and one escalation to the unit head (coordinator
    in copy) once `escalate_after` working days overdue.

    `before` is stored as a tuple whatever sequence it is given as, so policies are hashable.
    """

    before: tuple[int, ...] = (7, 3, 1)
    on_due_day: bool = True
    overdue_every: int = 3
    escalate_after: int = 5

    def __post_init__(self) -> None:
        if not isinstance(self.before, tuple):
            object.__setattr__(self, "before", tuple(self.before))

    def validate(self) -> list[str]:
        """Return error codes (stable, untranslated; empty when the policy is usable)."""
        errors: list[str] = []
        if not all(_is_int(n) for n in self.before):
            errors.append("before_not_integer")
        else:
            if any(n < 1 for n in self.before):
                errors.append("before_not_positive")
            if any(n > MAX_WORKING_DAYS for n in self.before):
                errors.append("before_too_large")
            if len(set(self.before)) != len(self.before):
                errors.append("before_duplicate")
        if len(self.before) > MAX_BEFORE_STAGES:
            errors.append("before_too_many")
        if not isinstance(self.on_due_day, bool):
            errors.append("on_due_day_not_boolean")
        for name in ("overdue_every", "escalate_after"):
            value = getattr(self, name)
            if not _is_int(value):
                errors.append(f"{name}_not_integer")
            elif value < 1:
                errors.append(f"{name}_not_positive")
            elif value > MAX_WORKING_DAYS:
                errors.append(f"{name}_too_large")
        return errors

    def to_dict(self) -> dict[str, Any]:
        """Return the policy as JSON-ready data (the inverse of `from_dict`)."""
        return {
            "before": list(self.before),
            "on_due_day": self.on_due_day,
            "overdue_every": self.overdue_every,
            "escalate_after": self.escalate_after,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ReminderPolicy:
        """Return the policy stored in `data`; missing keys take the defaults, unknown keys are
        ignored. Raise PolicyError (a ValueError carrying `codes`) unless the result is valid,
        so a stored policy that loads is always safe to plan with.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise PolicyError(["not_a_mapping"])
        values = {name: data[name] for name in _FIELDS if name in data}
        if not isinstance(values.get("before", ()), list | tuple):
            raise PolicyError(["before_not_integer"])
        policy = cls(**values)
        errors = policy.validate()
        if errors:
            raise PolicyError(errors)
        return policy


DEFAULT_POLICY = ReminderPolicy()
