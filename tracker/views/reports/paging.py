"""A page of an in-memory list, shaped like Flask-SQLAlchemy's pagination for the macro."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class ListPage:
    items: Sequence
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, rows: Sequence, page: int, per_page: int) -> ListPage:
        pages = max(1, math.ceil(len(rows) / per_page))
        page = min(max(page, 1), pages)
        start = (page - 1) * per_page
        return cls(rows[start : start + per_page], page, per_page, len(rows))

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        """Yield page numbers with None for the gaps, as Flask-SQLAlchemy does."""
        last = 0
        for n in range(1, self.pages + 1):
            if (
                n <= left_edge
                or self.page - left_current <= n <= self.page + right_current
                or n > self.pages - right_edge
            ):
                if last + 1 != n:
                    yield None
                yield n
                last = n
