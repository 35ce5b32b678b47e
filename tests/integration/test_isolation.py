"""The test harness itself: each test's rows are its own, committed or not, pass or fail.

The tests of this module run in order (``--dist loadfile`` keeps a module on one worker):
each later test checks that what an earlier one left behind is gone.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker.app import create_app
from tracker.extensions import READ_ONLY, db
from tracker.models import Unit, User


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _units_seen_by_another_connection() -> int:
    # Read-only: on SQLite it begins deferred, next to the test's write lock.
    with db.engine.connect().execution_options(**{READ_ONLY: True}) as other:
        return other.execute(select(func.count()).select_from(Unit)).scalar()


def test_a_commit_is_seen_by_the_next_request_and_app_context(app, build, client, login):
    build(lambda make: make.user("coordinator", email="dp@example.org"))
    assert login("dp@example.org").status_code == 200
    assert client.get("/").status_code == 200
    with app.app_context():
        assert _users() == 1


def test_another_app_on_the_same_database_sees_the_tests_rows(app, build):
    build(lambda make: make.user("coordinator", email="dp@example.org"))
    later = create_app({**app.config, "TODAY": "2024-07-02"})
    with later.app_context():
        assert _users() == 1


def test_rows_committed_by_an_earlier_test_are_gone(ctx):
    assert _users() == 0


def test_a_commit_stays_inside_the_tests_transaction(ctx, make):
    make.unit(name="Tỉnh Chưa Ghi")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
    assert _units_seen_by_another_connection() == 0


def test_a_failed_statement_left_unhandled_does_not_reach_the_next_test(ctx, make):
    make.user("viewer", email="twice@example.org")
    db.session.commit()
    with pytest.raises(IntegrityError):
        make.user("viewer", email="twice@example.org")
    # No rollback here, as a failing test would leave it: on PostgreSQL the transaction
    # is now aborted.


def test_the_next_test_starts_on_a_working_empty_database(ctx):
    assert _users() == 0
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


@pytest.mark.committed
def test_a_committed_test_commits_for_real(ctx, make):
    make.unit(name="Tỉnh Đã Ghi")
    db.session.commit()
    assert _units_seen_by_another_connection() == 1


def test_a_committed_tests_rows_are_emptied_afterwards(ctx):
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0
    assert _units_seen_by_another_connection() == 0
