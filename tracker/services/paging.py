"""Pages of a list query, and the whole filtered list for a download."""

from __future__ import annotations

import math
from collections.abc import Sequence

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func

from tracker.extensions import db

# A list download holds every filtered row, not just the page shown, up to this many.
EXPORT_MAX = 50_000


def page_of(query: Select, number: int, size: int, *, log: bool = False) -> Pagination:
    """Return page ``number`` of ``query``: its rows with how many there are in all, in one
    query (``count(*) over ()``); a page past the end has no row to carry the count, which
    is then taken alone. Never an error.

    ``log``: a list that grows without bound (the audit and email logs), counted apart: the
    window would read and sort every row before the page, where an index serves the page
    alone."""
    if log:
        return db.paginate(query, page=number, per_page=size, error_out=False)
    number = max(number, 1)
    rows = db.session.execute(
        query.add_columns(func.count().over()).limit(size).offset((number - 1) * size)
    ).all()
    if not rows:
        return db.paginate(query, page=number, per_page=size, error_out=False)
    return ListPage([row[0] for row in rows], number, size, rows[0][-1])


def page_counted(query: Select, number: int, size: int, total: int) -> Pagination:
    """Return page ``number`` of ``query`` whose length ``total`` is already known (from the
    maintained counts): one query, for the rows; a page past the end is empty."""
    number = max(number, 1)
    rows = list(db.session.scalars(query.limit(size).offset((number - 1) * size)).unique())
    return ListPage(rows, number, size, total)


def export_rows(query: Select) -> list:
    """Return every row of ``query``, up to ``EXPORT_MAX``, for a list download."""
    return list(db.session.scalars(query.limit(EXPORT_MAX)).unique())


class ListPage(Pagination):
    """A page of ``rows`` already in memory, as Flask-SQLAlchemy's pagination for the
    macro; with ``total``, ``rows`` are that page's rows already fetched."""

    def __init__(self, rows: Sequence, page: int, per_page: int, total: int | None = None):
        super().__init__(
            page=page, per_page=per_page, max_per_page=None, error_out=False, rows=rows, total=total
        )

    @classmethod
    def of(cls, rows: Sequence, page: int, per_page: int) -> ListPage:
        """Return the page of ``rows``, the last one when ``page`` is past the end."""
        return cls(rows, min(max(page, 1), max(1, math.ceil(len(rows) / per_page))), per_page)

    def _query_items(self) -> list:
        rows, total = self._query_args["rows"], self._query_args["total"]
        if total is not None:
            return list(rows)
        return list(rows[self._query_offset : self._query_offset + self.per_page])

    def _query_count(self) -> int:
        total = self._query_args["total"]
        return len(self._query_args["rows"]) if total is None else total
