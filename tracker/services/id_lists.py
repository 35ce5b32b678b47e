"""Conditions on a list of ids whose SQL text does not depend on the list's length.

``column.in_(ids)`` renders one parameter per id: a report of 300 tasks sends, parses and
plans a new 300-parameter statement on every request. On PostgreSQL the list goes as one
array parameter instead (``= ANY(%(ids)s)``), so the text is the same for any list and the
driver prepares it once per connection; other databases keep the expanding ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from tracker.extensions import db


def arrays() -> bool:
    """Return whether the session's database takes a list of ids as one array parameter."""
    return db.session.get_bind().dialect.name == "postgresql"


def array_parameter(name: str) -> ColumnElement:
    """Return ``= ANY(:name)``'s right side: a bound integer array (PostgreSQL)."""
    return any_(bindparam(name, type_=ARRAY(Integer)))


def among(column: ColumnElement, ids: Iterable[int]) -> ColumnElement[bool]:
    """Return ``column IN ids`` as one array parameter on PostgreSQL, a list elsewhere."""
    ids = list(ids)
    if arrays():
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(ids)
