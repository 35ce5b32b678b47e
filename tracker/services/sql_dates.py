"""Date arithmetic in SQL that reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class _DaysBetween(FunctionElement):
    """``later - earlier`` in days, worded for the database it is compiled for: statements
    built once and kept (``rollups.counts``) then serve either database."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(_DaysBetween)
def _subtract(element, compiler, **kw) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(_DaysBetween, "sqlite")
def _julian_days(element, compiler, **kw) -> str:
    later, earlier = list(element.clauses)
    days = (
        f"julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)})"
    )
    return f"CAST({days} AS INTEGER)"


def days_between(later, earlier) -> ColumnElement[int]:
    """Return ``later - earlier`` in days as SQL, on SQLite and PostgreSQL alike."""
    return _DaysBetween(later, earlier)
