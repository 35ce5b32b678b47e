"""Pages of a list: the rows and how many there are in all from one query; a page past the
end is empty and still knows the total."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.models import Unit, User
from tracker.services import paging


def test_each_page_holds_its_rows_and_the_total_in_one_query(ctx, make, query_counter):
    units = [make.unit(name=f"Tỉnh {n:02d}") for n in range(7)]
    query = select(Unit).order_by(Unit.name)

    with query_counter() as counter:
        second = paging.page_of(query, 2, 3)
    assert len(counter) == 1
    assert [u.name for u in second.items] == ["Tỉnh 03", "Tỉnh 04", "Tỉnh 05"]
    assert (second.total, second.pages, second.has_prev, second.has_next) == (7, 3, True, True)
    assert [u.id for u in paging.page_of(query, 3, 3).items] == [units[6].id]
    assert [u.name for u in paging.page_of(query, 0, 3).items][:1] == ["Tỉnh 00"]

    past = paging.page_of(query, 9, 3)
    assert (past.items, past.total, past.page) == ([], 7, 9)


def test_rows_loaded_with_their_many_to_one_relations_are_counted_once(ctx, make):
    unit = make.unit()
    for n in range(5):
        make.user("focal_point", email=f"fp{n}@example.org", unit_id=unit.id)
    page = paging.page_of(select(User).options(joinedload(User.unit)).order_by(User.id), 1, 2)
    assert page.total == 5 and [u.unit.id for u in page.items] == [unit.id, unit.id]


def test_a_log_is_counted_apart_and_pages_the_same(ctx, make, query_counter):
    for n in range(5):
        make.unit(name=f"Tỉnh {n}")
    query = select(Unit).order_by(Unit.name)
    with query_counter() as counter:
        logged = paging.page_of(query, 2, 2, log=True)
    assert len(counter) == 2  # the count, then the page an index can serve alone
    listed = paging.page_of(query, 2, 2)
    assert [u.id for u in logged.items] == [u.id for u in listed.items]
    assert logged.total == listed.total == 5
