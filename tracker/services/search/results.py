"""The search page's results: one query per group, each ranked, capped and counted.

``unit_scope`` is None for users who may see every unit, or the one unit a focal point
may see: they find only tasks given to it, only its evidence documents, only it among
units, and never people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload

from tracker.domain.search import QUERY_MAX, normalise
from tracker.extensions import db
from tracker.models import Assignment, Evidence, Task, Unit, User
from tracker.services.paging import page_of
from tracker.services.search import matching

A = Assignment

GROUPS = ("tasks", "units", "evidence", "people")
# Each group shows at most this many; the rest are behind its "more" link.
CAP = 10
# Fewer folded characters than this find too much to be useful (and no trigram index
# serves them): the page asks for more instead.
MIN_LENGTH = 2


@dataclass
class Group:
    """Up to CAP of a group's matches, best first, and how many there are in all."""

    rows: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class Results:
    """What a search found, group by group (``groups`` holds those the user may search)."""

    query: str
    groups: dict[str, Group]
    too_short: bool = False

    @property
    def empty(self) -> bool:
        return not any(group.total for group in self.groups.values())


def searchable_groups(actor: User, unit_scope: int | None) -> tuple[str, ...]:
    """Return the groups ``actor`` may search: people for administrators only."""
    if actor.is_admin and unit_scope is None:
        return GROUPS
    return tuple(g for g in GROUPS if g != "people")


def clean_query(text: str | None) -> str:
    """Return the typed query trimmed to QUERY_MAX characters."""
    return (text or "").strip()[:QUERY_MAX]


def search(text: str, *, actor: User, unit_scope: int | None, cap: int = CAP) -> Results:
    """Return the best ``cap`` matches of ``text`` in each group ``actor`` may search, with
    each group's total (one query per group)."""
    query = clean_query(text)
    names = searchable_groups(actor, unit_scope)
    if len(normalise(query)) < MIN_LENGTH:
        return Results(query, {name: Group() for name in names}, too_short=bool(query))
    groups = {}
    for name in names:
        rows = db.session.execute(QUERIES[name](query, unit_scope).add_columns(
            func.count().over()).limit(cap)).all()  # fmt: skip
        groups[name] = Group([row[0] for row in rows], rows[0][-1] if rows else 0)
    return Results(query, groups)


def search_group(
    text: str, name: str, *, actor: User, unit_scope: int | None, page: int, per_page: int
) -> Pagination | None:
    """Return page ``page`` of every match of ``text`` in group ``name`` (one query), or
    None when the group is not the user's to search or the query is too short."""
    query = clean_query(text)
    if name not in searchable_groups(actor, unit_scope) or len(normalise(query)) < MIN_LENGTH:
        return None
    return page_of(QUERIES[name](query, unit_scope), page, per_page)


def task_results(text: str, unit_scope: int | None) -> Select:
    """Return the tasks matching ``text`` that the user sees, best first (series templates
    have their occurrences found instead, as in the task list)."""
    query = select(Task).where(Task.recurrence.is_(None), matching.task_matches(text))
    if unit_scope is not None:
        query = query.where(exists().where(A.task_id == Task.id, A.unit_id == unit_scope))
    return query.order_by(
        matching.task_rank(text),
        Task.closed_at.is_not(None),
        Task.deadline.asc().nulls_last(),
        Task.id,
    )


def unit_results(text: str, unit_scope: int | None) -> Select:
    """Return the units matching ``text`` that the user sees (a focal point: theirs),
    best first, current ones before former ones."""
    query = select(Unit).where(matching.unit_matches(text))
    if unit_scope is not None:
        query = query.where(Unit.id == unit_scope)
    return query.order_by(
        matching.unit_rank(text), Unit.active.desc(), Unit.group, Unit.sort_name, Unit.id
    )


def evidence_results(text: str, unit_scope: int | None) -> Select:
    """Return the evidence documents whose number matches ``text`` that the user sees (a
    focal point: their unit's), best first, the latest first among equals."""
    loaded = contains_eager(Evidence.assignment)
    query = (
        select(Evidence)
        .join(A, A.id == Evidence.assignment_id)
        .join(Task, Task.id == A.task_id)
        .join(Unit, Unit.id == A.unit_id)
        .options(loaded.contains_eager(A.task), loaded.contains_eager(A.unit))
        .where(matching.evidence_matches(text))
    )
    if unit_scope is not None:
        query = query.where(A.unit_id == unit_scope)
    return query.order_by(
        matching.evidence_rank(text), Evidence.doc_date.desc().nulls_last(), Evidence.id.desc()
    )


def people_results(text: str, unit_scope: int | None) -> Select:
    """Return the accounts (people, not service accounts) matching ``text``, best first;
    only ever run for administrators (see ``searchable_groups``)."""
    return (
        select(User)
        .options(joinedload(User.unit))
        .where(User.is_service.is_(False), matching.person_matches(text))
        .order_by(matching.person_rank(text), User.active.desc(), User.name, User.id)
    )


QUERIES = {
    "tasks": task_results,
    "units": unit_results,
    "evidence": evidence_results,
    "people": people_results,
}
