"""Units as every signed-in user sees them: the list with each unit's standing, one unit's
page with its focal points, assignments, calendar feed and reorganisations (focal points:
only their own unit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from tracker.domain.aggregate import Buckets
from tracker.extensions import db
from tracker.models import Assignment, CalendarFeed, Task, Unit, User
from tracker.services import access, status_sql
from tracker.services.assignments import listing
from tracker.services.calendar import load_calendar
from tracker.services.errors import NotFound
from tracker.services.feeds import addresses
from tracker.services.paging import export_rows, page_of
from tracker.services.reorganisation.pages import Predecessor, merged_on, predecessors
from tracker.services.rollups import units as unit_counts
from tracker.services.search import matching
from tracker.services.status_sql import AsOf

A = Assignment


@dataclass(frozen=True)
class UnitFilters:
    """The unit list's filters; ``current_on`` leaves out units ended (merged) before that day."""

    group: str | None = None
    kind: str | None = None
    q: str | None = None
    current_on: date | None = None


def unit_query(filters: UnitFilters) -> Select:
    """Return the query for the unit list, filtered and in display order."""
    query = select(Unit)
    if filters.current_on is not None:
        query = query.where(or_(Unit.valid_to.is_(None), Unit.valid_to >= filters.current_on))
    if filters.group:
        query = query.where(Unit.group == filters.group)
    if filters.kind:
        query = query.where(Unit.kind == filters.kind)
    if q := filters.q:
        query = query.where(matching.unit_matches(q))
    return query.order_by(Unit.active.desc(), Unit.group, Unit.sort_name)


@dataclass(frozen=True)
class UnitList:
    """A page of the unit list with each unit's buckets and active focal points."""

    page: Pagination
    buckets: dict[int, Buckets]
    focal_points: dict[int, list[User]]


def unit_list(filters: UnitFilters, *, as_of: AsOf, page: int, per_page: int) -> UnitList:
    """Return page ``page`` of the filtered unit list (four queries)."""
    shown = page_of(unit_query(filters), page, per_page)
    ids = [u.id for u in shown.items]
    return UnitList(shown, unit_buckets(ids, as_of), focal_points(ids))


@dataclass(frozen=True)
class UnitRows:
    """Every unit of the filtered list with its buckets, for a download."""

    units: list[Unit]
    buckets: dict[int, Buckets]


def units_to_export(filters: UnitFilters, *, as_of: AsOf) -> UnitRows:
    """Return every unit the filters select (up to ``paging.EXPORT_MAX``) with its buckets."""
    units = export_rows(unit_query(filters))
    return UnitRows(units, unit_buckets([u.id for u in units], as_of))


def unit_buckets(unit_ids: list[int], as_of: AsOf) -> dict[int, Buckets]:
    """Return the buckets of each listed unit (one query)."""
    return status_sql.count_buckets_by(A.unit_id, as_of, A.unit_id.in_(unit_ids))


def focal_points(unit_ids: list[int]) -> dict[int, list[User]]:
    """Return the active focal points of each listed unit (one query)."""
    result: dict[int, list[User]] = {uid: [] for uid in unit_ids}
    users = db.session.scalars(
        select(User)
        .where(User.unit_id.in_(unit_ids), User.role == "focal_point", User.reachable)
        .order_by(User.name)
    )
    for user in users:
        result[user.unit_id].append(user)
    return result


def load_unit(unit_id: int) -> Unit | None:
    """Return the unit with its successor loaded, or None."""
    return db.session.get(Unit, unit_id, options=[selectinload(Unit.successor)])


@dataclass(frozen=True)
class UnitPage:
    """One unit's page: its focal points and standing, a page of its assignments, its
    calendar feed, and the reorganisations it went through."""

    unit: Unit
    page: Pagination
    rows: list[listing.Row]
    buckets: Buckets
    focal_points: list[User]
    manage_feed: bool
    feed: CalendarFeed | None
    feed_address: str | None
    merged_on: date | None
    predecessors: list[Predecessor]


def _page_buckets(unit_id: int, as_of: AsOf) -> Buckets:
    """Return the unit's buckets on the as-of day from its maintained counts (one query; two
    as of another day than the scheduler's), or counted from its assignments while the
    counts judge deadlines on days off under another rule."""
    found = unit_counts.figures(as_of, [unit_id])
    if found is None:
        return status_sql.count_buckets(as_of, A.unit_id == unit_id)
    figures = found.get(unit_id)
    return figures.buckets if figures is not None else Buckets()


def unit_page(
    unit_id: int,
    *,
    actor: User,
    unit_scope: int | None,
    as_of: AsOf,
    due_soon_days: int,
    status: str | None,
    page: int,
    per_page: int,
) -> UnitPage:
    """Return the unit's page with page ``page`` of its assignments filtered by time
    ``status``; NotFound if the unit is missing or not the focal point's own."""
    if unit_scope is not None and unit_scope != unit_id:
        raise NotFound(access.NOT_FOUND)
    unit = load_unit(unit_id)
    if unit is None:
        raise NotFound(access.NOT_FOUND)
    query = listing.assignment_query(as_of, A.unit_id == unit_id, status=status)
    shown = page_of(query.order_by(A.due_date.asc().nulls_last(), Task.id), page, per_page)
    feed = addresses.unit_feed(unit_id, actor=actor)
    return UnitPage(
        unit=unit,
        page=shown,
        rows=listing.with_status(shown.items, as_of, load_calendar(), due_soon_days),
        buckets=_page_buckets(unit_id, as_of),
        focal_points=focal_points([unit_id])[unit_id],
        manage_feed=addresses.can_manage_unit_feed(actor, unit_id),
        feed=feed,
        feed_address=addresses.feed_url(feed) if feed else None,
        merged_on=merged_on(unit),
        predecessors=predecessors(unit),
    )
