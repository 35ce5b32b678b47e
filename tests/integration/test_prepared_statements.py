"""PostgreSQL keeps a page's statements prepared from one request to the next.

psycopg prepares a statement on a connection once it has run five times there, and forgets
every prepared statement at each ROLLBACK. A request's transaction that wrote nothing now
ends with COMMIT, which is the same for it; one that wrote is rolled back as before. The
tests commit (``committed``) and build an app of their own with one pooled connection, so
that the requests run on the connection whose prepared statements are read.
"""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from support.people import COORDINATOR, office

from tracker.app import create_app
from tracker.extensions import db
from tracker.models import Unit

UNIT = {"code": "X1", "name": "Đơn vị thử", "kind": "province", "group": "local"}
PREPARED = text("SELECT statement FROM pg_prepared_statements")


@pytest.fixture
def one_connection(app):
    """Return an app like the test's on its database, pooling a single connection."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("prepared statements across transactions: psycopg and PostgreSQL's")
    config = copy.deepcopy(dict(app.config))
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 1, "max_overflow": 0}
    single = create_app(config)
    yield single
    with single.app_context():
        db.engine.dispose()


def _prepared(application) -> list[str]:
    with application.app_context():
        statements = list(db.session.scalars(PREPARED))
        db.session.remove()
        return statements


@pytest.mark.committed
def test_a_page_asked_again_runs_on_statements_the_earlier_requests_prepared(one_connection, build):
    build(lambda make: office(make, "coordinator"))
    client = one_connection.test_client()
    signed_in = client.post("/login", data={"email": COORDINATOR, "password": "secret-pass"})
    assert signed_in.status_code == 302
    for _ in range(6):
        assert client.get("/tasks/").status_code == 200
    prepared = _prepared(one_connection)
    # Each request looks its session up first: the sixth ran it prepared.
    assert any("session_token" in statement for statement in prepared), prepared


@pytest.mark.committed
def test_a_transaction_that_wrote_is_still_rolled_back(one_connection):
    with one_connection.app_context():
        db.session.execute(insert(Unit).values(**UNIT))
        db.session.rollback()
        db.session.add(Unit(**UNIT))
        db.session.flush()
        db.session.remove()  # as a request ends
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 0
        db.session.remove()


@pytest.mark.committed
def test_a_failed_transaction_is_rolled_back_and_the_connection_serves_the_next(
    one_connection,
):
    with one_connection.app_context():
        db.session.execute(insert(Unit).values(**UNIT))
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(insert(Unit).values(**{**UNIT, "name": None}))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
        db.session.remove()


@pytest.mark.committed
def test_a_connection_lost_inside_a_transaction_is_rolled_back_and_replaced(one_connection):
    with one_connection.app_context(), db.engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(select(func.count()).select_from(Unit))
        conn.invalidate()  # as after the server closed it
        transaction.rollback()
        assert conn.execute(select(func.count()).select_from(Unit)).scalar() == 0
