"""Loading rows by id in chunks, each ``IN (...)`` list below every backend's parameter limit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import select

from tracker.extensions import db

CHUNK = 900
M = TypeVar("M")


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """Yield ``ids`` in slices of at most ``CHUNK``."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def by_id(model: type[M], ids: Iterable[int]) -> dict[int, M]:
    """Return the rows of ``model`` whose id is among ``ids``, by id (missing ones absent)."""
    found: dict[int, M] = {}
    for part in chunks(sorted(set(ids))):
        for row in db.session.scalars(select(model).where(model.id.in_(part))):  # type: ignore[attr-defined]
            found[row.id] = row  # type: ignore[attr-defined]
    return found
