"""Recurring obligations: coordinators keep series (templates never assigned themselves);
each period becomes an ordinary task with its own assignments, generated ahead of time
(``generation``). The rule, the unit selection and the pause state live in the series'
``Task.recurrence`` JSON (``settings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.localtime import local_date
from tracker.extensions import db
from tracker.models import AssignmentRole, Task, User
from tracker.services import access, events
from tracker.services.errors import NotFound, ServiceError, StaleEdit
from tracker.services.recurrence import units as recurrence_units
from tracker.services.recurrence.generation import (
    GenerationReport,
    generate_due_occurrences,
)
from tracker.services.recurrence.settings import (
    SeriesInput,
    SeriesSettings,
)
from tracker.services.tasks import editing as task_editing

SERIES_NOT_FOUND = _l("This recurring task does not exist.")
STALE_SERIES = _l(
    "Someone else changed this recurring task after you opened it. Nothing was saved: "
    "the form now shows the latest version; make your change again."
)
MAX_SERIES_TITLE = 400  # room for " — <period>" within a task title's 500 characters


def load_series(series_id: int) -> Task:
    """Return the series (a task holding a recurrence rule) or raise NotFound."""
    series = db.session.get(Task, series_id)
    if series is None or series.recurrence is None:
        raise NotFound(SERIES_NOT_FOUND)
    return series


def check_input(data: SeriesInput, current_owner_id: int | None = None) -> None:
    """Refuse (ServiceError) what could not be saved; changes nothing."""
    task_editing._validate(data.task, current_owner_id)
    if len(data.task.title.strip()) > MAX_SERIES_TITLE:
        raise ServiceError(_l("At most %(max)d characters.", max=MAX_SERIES_TITLE))
    if data.role not in {r.value for r in AssignmentRole}:
        raise ServiceError(_l("Choose lead or support."))
    recurrence_units.check_selection(data.units)


def last_period_end(series_id: int) -> date | None:
    """Return the end of the latest period generated for the series, or None."""
    query = select(func.max(Task.period_end)).where(Task.series_id == series_id)
    return db.session.scalar(query)


def _facts(data: task_editing.TaskInput) -> dict:
    return {
        "title": data.title.strip(),
        "field": data.field,
        "description": data.description,
        "source_document": data.source_document,
        "source_number": data.source_number,
        "source_date": data.source_date,
        "priority": data.priority,
        "owner_id": data.owner_id,
    }


def create_series(data: SeriesInput, *, actor: User, now: datetime) -> Task:
    """Return the new series, saved with a "series_created" event; generates nothing yet."""
    access.require_coordinator(actor)
    check_input(data)
    settings = SeriesSettings(data.rule, data.units, data.role)
    series = Task(
        **_facts(data.task),
        recurrence=settings.to_json(),
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(series)
    db.session.flush()
    events.record(
        "series_created",
        actor=actor,
        now=now,
        task_id=series.id,
        target=f"task:{series.id}",
        data={"title": series.title, "recurrence": series.recurrence},
    )
    db.session.commit()
    return series


def update_series(
    series_id: int, data: SeriesInput, *, actor: User, now: datetime, version: int
) -> tuple[Task, tuple[str, ...]]:
    """Return the series and the names of what changed; occurrences already generated keep
    their own facts (edit them as tasks). Refuses stale versions."""
    access.require_coordinator(actor)
    series = load_series(series_id)
    if series.version != version:
        raise StaleEdit(STALE_SERIES)
    check_input(data, current_owner_id=series.owner_id)
    old = SeriesSettings.from_json(series.recurrence)
    settings = SeriesSettings(data.rule, data.units, data.role, old.paused, old.resumed_on)
    changed = {
        name: [task_editing._iso(getattr(series, name)), task_editing._iso(value)]
        for name, value in _facts(data.task).items()
        if getattr(series, name) != value
    }
    if settings.to_json() != series.recurrence:
        changed["recurrence"] = [series.recurrence, settings.to_json()]
    if not changed:
        return series, ()
    for name, value in _facts(data.task).items():
        setattr(series, name, value)
    series.recurrence = settings.to_json()
    series.updated_at = now
    events.record(
        "series_updated",
        actor=actor,
        now=now,
        task_id=series.id,
        target=f"task:{series.id}",
        data={"changed": changed},
    )
    _commit()
    return series, tuple(changed)


def set_paused(series_id: int, paused: bool, *, actor: User, now: datetime, zone: ZoneInfo) -> Task:
    """Return the series paused (generates nothing) or resumed; a resumed series skips the
    periods that ended before the day it was resumed (``now``'s date in ``zone``). Refuses
    a change that changes nothing."""
    access.require_coordinator(actor)
    series = load_series(series_id)
    settings = SeriesSettings.from_json(series.recurrence)
    if settings.paused == paused:
        raise ServiceError(
            _l("This recurring task is already paused.")
            if paused
            else _l("This recurring task is not paused.")
        )
    resumed_on = settings.resumed_on if paused else local_date(now, zone)
    series.recurrence = SeriesSettings(
        settings.rule, settings.units, settings.role, paused, resumed_on
    ).to_json()
    series.updated_at = now
    events.record(
        "series_paused" if paused else "series_resumed",
        actor=actor,
        now=now,
        task_id=series.id,
        target=f"task:{series.id}",
    )
    _commit()
    return series


@dataclass(frozen=True)
class SavedSeries:
    """A series saved and the periods generated at once; ``changed`` names what an edit
    changed (empty for a new series)."""

    series: Task
    created: bool
    changed: tuple[str, ...]
    generated: GenerationReport


def save_series(
    series_id: int | None,
    data: SeriesInput,
    *,
    actor: User,
    now: datetime,
    zone: ZoneInfo,
    version: int = -1,
    language: str | None = None,
) -> SavedSeries:
    """Return the series created (``series_id`` None) or updated (refusing a stale
    ``version``), with the periods already due on ``now``'s date in ``zone`` generated."""
    if series_id is None:
        series, changed = create_series(data, actor=actor, now=now), ()
    else:
        series, changed = update_series(series_id, data, actor=actor, now=now, version=version)
    generated = generate_due_occurrences(
        local_date(now, zone), actor, now=now, language=language, series_ids=[series.id]
    )
    return SavedSeries(series, series_id is None, changed, generated)


def resume_series(
    series_id: int, *, actor: User, now: datetime, zone: ZoneInfo, language: str | None = None
) -> GenerationReport:
    """Resume a paused series and return what was generated at once: the running period,
    never those that ended while it was paused. Refuses a series that is not paused."""
    set_paused(series_id, False, actor=actor, now=now, zone=zone)
    return generate_due_occurrences(
        local_date(now, zone), actor, now=now, language=language, series_ids=[series_id]
    )


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit(STALE_SERIES) from None
