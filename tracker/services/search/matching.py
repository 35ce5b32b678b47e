"""What a search matches, as SQL conditions on the folded columns, and how matches rank.

Every list that filters by typed text (the search page, the task, unit and user lists,
the audit log) matches through here, so "du lieu" finds the same rows everywhere.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, case, false, func, or_

from tracker.domain.deadlines import parse_day
from tracker.domain.search import (
    ESCAPE,
    contains_pattern,
    field_tiers,
    normalise,
    task_tiers,
)
from tracker.models import Evidence, Task, Unit, User


def _like(column, pattern: str) -> ColumnElement[bool]:
    return column.like(pattern, escape=ESCAPE)


def _contains(column, folded: str) -> ColumnElement[bool]:
    return _like(column, contains_pattern(folded))


def _rank(column, tiers: list[tuple[str, ...]], *first: ColumnElement[bool]):
    """Return the tier of the first of ``tiers`` a row's ``column`` matches (0 when one of
    ``first`` holds), or ``len(tiers)`` for any other match."""
    whens = [(cond, 0) for cond in first]
    whens += [(or_(*(_like(column, p) for p in tier)), i) for i, tier in enumerate(tiers)]
    return case(*whens, else_=len(tiers))


def _day(text: str) -> date | None:
    try:
        return parse_day(text)
    except ValueError:
        return None


def task_matches(text: str) -> ColumnElement[bool]:
    """Return the condition on tasks whose title, source number or name, or description
    contains ``text`` (folded), or whose source document is dated ``text`` (dd/mm/yyyy)."""
    folded = normalise(text)
    if not folded:
        return false()
    matched = _contains(Task.search_text, folded)
    if (day := _day(text)) is not None:
        matched = or_(matched, Task.source_date == day)
    return matched


def task_rank(text: str):
    """Return the rank of a task matching ``text``: title before the other fields."""
    folded = normalise(text)
    day = _day(text)
    dated = [Task.source_date == day] if day is not None else []
    return _rank(Task.search_text, task_tiers(folded), *dated)


def unit_matches(text: str) -> ColumnElement[bool]:
    """Return the condition on units whose name, English name or code contains ``text``
    (case and diacritics ignored)."""
    folded = normalise(text)
    if not folded:
        return false()
    return or_(
        _contains(Unit.search_name, folded),
        _contains(func.lower(Unit.code), folded),
        _contains(func.lower(Unit.name_en), folded),
    )


def unit_rank(text: str):
    """Return the rank of a unit matching ``text``: its code or name exactly first."""
    folded = normalise(text)
    return _rank(Unit.search_name, field_tiers(folded), func.lower(Unit.code) == folded)


def evidence_matches(text: str) -> ColumnElement[bool]:
    """Return the condition on evidence documents whose number contains ``text``."""
    folded = normalise(text)
    return _contains(Evidence.search_doc, folded) if folded else false()


def evidence_rank(text: str):
    """Return the rank of an evidence document matching ``text``."""
    return _rank(Evidence.search_doc, field_tiers(normalise(text)))


def person_matches(text: str) -> ColumnElement[bool]:
    """Return the condition on people whose name or email contains ``text``."""
    folded = normalise(text)
    if not folded:
        return false()
    return or_(_contains(User.search_name, folded), _contains(func.lower(User.email), folded))


def person_rank(text: str):
    """Return the rank of a person matching ``text``: the exact email first."""
    folded = normalise(text)
    return _rank(User.search_name, field_tiers(folded), func.lower(User.email) == folded)
