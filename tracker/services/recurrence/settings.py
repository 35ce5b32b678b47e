"""What a recurring task's ``Task.recurrence`` JSON holds, and periods in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from tracker.domain.deadlines import format_date
from tracker.domain.recurrence import Period, Recurrence, RecurrenceError, classify
from tracker.models import AssignmentRole, Task
from tracker.services.tasks import editing as task_editing
from tracker.services.tasks.assigning import UnitSelection

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class SeriesSettings:
    """What ``Task.recurrence`` holds: the rule, whom to assign and whether it is paused.

    ``resumed_on``: periods that ended before this day (while paused) are never generated.
    """

    rule: Recurrence
    units: UnitSelection
    role: str = AssignmentRole.LEAD.value
    paused: bool = False
    resumed_on: date | None = None

    def to_json(self) -> dict:
        return {
            **self.rule.to_dict(),
            "units": {
                "groups": sorted(self.units.groups),
                "kinds": sorted(self.units.kinds),
                "unit_ids": sorted(self.units.unit_ids),
            },
            "role": self.role,
            "paused": self.paused,
            "resumed_on": self.resumed_on.isoformat() if self.resumed_on else None,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> SeriesSettings:
        """Return the stored settings; RecurrenceError if they cannot be read."""
        if not isinstance(data, dict):
            raise RecurrenceError("bad_data", repr(data))
        units = data.get("units") or {}
        try:
            selection = UnitSelection(
                groups=frozenset(str(g) for g in units.get("groups", ())),
                kinds=frozenset(str(k) for k in units.get("kinds", ())),
                unit_ids=frozenset(int(i) for i in units.get("unit_ids", ())),
            )
            resumed = data.get("resumed_on")
            return cls(
                rule=Recurrence.from_dict(data),
                units=selection,
                role=str(data.get("role") or AssignmentRole.LEAD.value),
                paused=bool(data.get("paused", False)),
                resumed_on=date.fromisoformat(resumed) if resumed else None,
            )
        except RecurrenceError:
            raise
        except (AttributeError, TypeError, ValueError):
            raise RecurrenceError("bad_data", repr(data)) from None


@dataclass(frozen=True)
class SeriesInput:
    """A series as the form gives it: the task facts (deadline ignored) and its settings."""

    task: task_editing.TaskInput
    rule: Recurrence
    units: UnitSelection
    role: str = AssignmentRole.LEAD.value


def period_label(period: Period) -> str:
    """Return the period in words, in the active language ("Quý I/2025", "năm 2025")."""
    if period.kind == "month":
        return _("month %(month)s/%(year)s", month=period.number, year=period.year)
    if period.kind == "quarter":
        return _("quarter %(quarter)s/%(year)s", quarter=_ROMAN[period.number], year=period.year)
    if period.kind == "half":
        if period.number == 1:
            return _("first half of %(year)s", year=period.year)
        return _("second half of %(year)s", year=period.year)
    if period.kind == "year":
        return _("year %(year)s", year=period.year)
    return _("%(start)s to %(end)s", start=format_date(period.start), end=format_date(period.end))


def occurrence_period(task: Task) -> Period | None:
    """Return the period an occurrence covers, or None for other tasks."""
    if task.period_start is None or task.period_end is None:
        return None
    return classify(task.period_start, task.period_end)
