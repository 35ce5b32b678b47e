"""Administration of units: create, edit, deactivate; codes stay unique within a period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.domain.text import fold
from tracker.extensions import db
from tracker.i18n import format_day
from tracker.models import GROUP_OF_KIND, Role, Unit, UnitGroup, UnitKind, User
from tracker.services import events, paging
from tracker.services.access import NOT_FOUND, require_role
from tracker.services.errors import InvalidInput, NotFound, ServiceError

# Successor chains are short (a merger or two); a longer walk means a cycle or bad data.
_MAX_CHAIN = 50


@dataclass
class UnitFields:
    """What an admin may set on a unit; ``group`` None means the kind's usual group."""

    code: str
    name: str
    kind: str
    group: str | None = None
    short_name: str | None = None
    name_en: str | None = None
    head_email: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    successor_id: int | None = None


def unit_query(
    q: str | None, kind: str | None, active: bool | None, current_on: date | None = None
) -> Select:
    """Return the query of the admin unit list (successors joined in the same query);
    ``current_on`` leaves out units ended (merged) before that day."""
    query = select(Unit).options(joinedload(Unit.successor))
    if current_on is not None:
        query = query.where(or_(Unit.valid_to.is_(None), Unit.valid_to >= current_on))
    if kind:
        query = query.where(Unit.kind == kind)
    if active is not None:
        query = query.where(Unit.active.is_(active))
    if q:
        query = query.where(
            Unit.search_name.contains(fold(q), autoescape=True)
            | (func.upper(Unit.code) == q.upper())
        )
    return query.order_by(Unit.active.desc(), Unit.group, Unit.sort_name, Unit.valid_from)


def unit_page(
    q: str | None,
    kind: str | None,
    active: bool | None,
    current_on: date | None,
    number: int,
    size: int,
) -> Pagination:
    """Return page ``number`` of the admin unit list (two queries: the count and the rows)."""
    return paging.page_of(unit_query(q, kind, active, current_on), number, size)


def units_named(text: str) -> Select:
    """Return the ids of the units whose name contains ``text`` (accents and case ignored)
    or whose code is ``text``: what the admin lists' "unit" filter matches."""
    return select(Unit.id).where(
        or_(
            Unit.search_name.contains(fold(text), autoescape=True),
            func.upper(Unit.code) == text.strip().upper(),
        )
    )


def load_unit(actor: User, unit_id: int) -> Unit:
    """Return the unit for an admin, else NotFound / NotAllowed."""
    require_role(actor, Role.ADMIN)
    unit = db.session.get(Unit, unit_id, options=[joinedload(Unit.successor)])
    if unit is None:
        raise NotFound(NOT_FOUND)
    return unit


def clean_unit_fields(fields: UnitFields) -> UnitFields:
    """Return the fields trimmed, with the group derived from the kind when not given."""
    blank = lambda value: (value or "").strip() or None  # noqa: E731
    cleaned = UnitFields(
        code=(fields.code or "").strip().upper(),
        name=(fields.name or "").strip(),
        kind=fields.kind,
        group=fields.group or None,
        short_name=blank(fields.short_name),
        name_en=blank(fields.name_en),
        head_email=blank(fields.head_email),
        valid_from=fields.valid_from,
        valid_to=fields.valid_to,
        successor_id=fields.successor_id,
    )
    if cleaned.head_email:
        cleaned.head_email = cleaned.head_email.lower()
    if not cleaned.code or not cleaned.name:
        raise InvalidInput(_l("Enter the code and the name."))
    if cleaned.kind not in {k.value for k in UnitKind}:
        raise InvalidInput(_l("Choose a kind."))
    if cleaned.group is None:
        cleaned.group = GROUP_OF_KIND[UnitKind(cleaned.kind)].value
    if cleaned.group not in {g.value for g in UnitGroup}:
        raise InvalidInput(_l("Choose a group."))
    if cleaned.valid_from and cleaned.valid_to and cleaned.valid_to < cleaned.valid_from:
        raise InvalidInput(_l("The end of the active period is before its start."))
    return cleaned


def _overlaps(a_from, a_to, b_from, b_to) -> bool:
    return (a_from is None or b_to is None or a_from <= b_to) and (
        b_from is None or a_to is None or b_from <= a_to
    )


def _check_code(fields: UnitFields, unit_id: int | None) -> None:
    """Refuse a code another unit uses in an overlapping active period."""
    query = select(Unit).where(func.upper(Unit.code) == fields.code)
    if unit_id is not None:
        query = query.where(Unit.id != unit_id)
    check_code_free(fields, db.session.scalars(query))


def check_code_free(fields: UnitFields, others: Iterable) -> None:
    """Refuse (ServiceError) if one of ``others`` (other units with the same code, saved or
    planned: anything with name, valid_from and valid_to) is active in an overlapping period."""
    for other in others:
        if _overlaps(fields.valid_from, fields.valid_to, other.valid_from, other.valid_to):
            raise ServiceError(
                _l(
                    "The code %(code)s is already used by %(name)s in an overlapping period "
                    "(%(start)s – %(end)s).",
                    code=fields.code,
                    name=other.name,
                    start=format_day(other.valid_from) or "…",
                    end=format_day(other.valid_to) or "…",
                )
            )


def _check_successor(successor_id: int | None, unit_id: int | None) -> None:
    if successor_id is None:
        return
    if successor_id == unit_id:
        raise InvalidInput(_l("A unit cannot be its own successor."))
    current: int | None = successor_id
    for _ in range(_MAX_CHAIN):
        if current is None:
            return
        if current == unit_id:
            raise InvalidInput(_l("This successor would make a circle of successors."))
        row = db.session.get(Unit, current)
        if row is None:
            raise InvalidInput(_l("Choose an existing successor."))
        current = row.successor_id
    raise InvalidInput(_l("This successor would make a circle of successors."))


def _save(unit: Unit, actor: User, now: datetime, kind: str, data: dict) -> Unit:
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ServiceError(_l("Another unit already uses this code from the same date.")) from error
    events.record(kind, actor=actor, now=now, unit_id=unit.id, target=f"unit:{unit.id}", data=data)
    db.session.commit()
    return unit


def _plain(value):
    """Return ``value`` as JSON can store it (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, date) else value


def create_unit(actor: User, now: datetime, fields: UnitFields) -> Unit:
    """Create an active unit; refuses a code used in an overlapping period."""
    require_role(actor, Role.ADMIN)
    cleaned = clean_unit_fields(fields)
    _check_code(cleaned, None)
    _check_successor(cleaned.successor_id, None)
    unit = Unit(**asdict(cleaned), active=True)
    db.session.add(unit)
    return _save(
        unit, actor, now, "unit_created", {k: _plain(v) for k, v in asdict(cleaned).items()}
    )


def update_unit(actor: User, now: datetime, unit_id: int, fields: UnitFields) -> Unit:
    """Change a unit's details; records each changed field as [old, new]."""
    unit = load_unit(actor, unit_id)
    cleaned = clean_unit_fields(fields)
    _check_code(cleaned, unit.id)
    _check_successor(cleaned.successor_id, unit.id)
    changes = {
        key: [getattr(unit, key), value]
        for key, value in asdict(cleaned).items()
        if getattr(unit, key) != value
    }
    if not changes:
        return unit
    for key, (_old, value) in changes.items():
        setattr(unit, key, value)
    data = {key: [_plain(old), _plain(new)] for key, (old, new) in changes.items()}
    return _save(unit, actor, now, "unit_updated", data)


def set_unit_active(actor: User, now: datetime, unit_id: int, active: bool) -> Unit:
    """Deactivate a unit (it can no longer receive new assignments or focal points) or
    reactivate it."""
    unit = load_unit(actor, unit_id)
    if unit.active == active:
        return unit
    unit.active = active
    return _save(unit, actor, now, "unit_reactivated" if active else "unit_deactivated", {})


def successor_options(exclude_id: int | None = None, include_id: int | None = None):
    """Return possible successors as (id, "name (code)"): the active units (and
    ``include_id``, the current successor, even if inactive), in list order."""
    condition = Unit.active.is_(True)
    if include_id is not None:
        condition = or_(condition, Unit.id == include_id)
    query = select(Unit.id, Unit.name, Unit.code).where(condition)
    if exclude_id is not None:
        query = query.where(Unit.id != exclude_id)
    rows = db.session.execute(query.order_by(Unit.group, Unit.sort_name))
    return [(uid, f"{name} ({code})") for uid, name, code in rows]
