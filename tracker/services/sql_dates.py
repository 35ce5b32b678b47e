"""Date arithmetic in SQL that reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func

from tracker.extensions import db


def days_between(later, earlier) -> ColumnElement[int]:
    """Return ``later - earlier`` in days as SQL, on SQLite and PostgreSQL alike."""
    if db.engine.dialect.name == "postgresql":
        return later - earlier
    return func.cast(func.julianday(later) - func.julianday(earlier), db.Integer)
