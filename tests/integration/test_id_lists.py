"""A condition on a list of ids selects exactly those rows, and on PostgreSQL its SQL is the
same text for any number of ids (one array parameter, prepared once by the driver)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Unit
from tracker.services import id_lists


@pytest.mark.parametrize("chosen", [[], [0], [0, 2], [0, 1, 2, 3, 4]])
def test_among_selects_exactly_the_listed_ids(ctx, make, chosen):
    units = [make.unit() for _ in range(5)]
    ids = [units[i].id for i in chosen]
    found = db.session.scalars(select(Unit.id).where(id_lists.among(Unit.id, ids)))
    assert sorted(found) == sorted(ids)


def test_the_statement_does_not_grow_with_the_list(ctx, make, query_counter):
    units = [make.unit() for _ in range(40)]
    with query_counter() as statements:
        for size in (1, 40):
            ids = [u.id for u in units[:size]]
            assert (
                len(db.session.scalars(select(Unit.id).where(id_lists.among(Unit.id, ids))).all())
                == size
            )
    short, long = statements
    if id_lists.arrays():
        assert short == long and "ANY" in short.upper()
    else:
        assert len(long) > len(short)
