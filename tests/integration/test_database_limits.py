"""The rate-limit store in the app's database (tracker-db://, tracker/ratelimit_storage.py):
fixed windows that count, end and restart on a clock the tests move; hits from many
threads at once all counted; counts that outlive the request's rollback; a failing store
that neither fails sign-in nor stops the limits. Its rows are committed for real (the store
writes on connections of its own), so the tests are ``committed``."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from support import two_factor
from support.today import NOW

from tracker.app import create_app
from tracker.extensions import db, limiter
from tracker.models import RateLimitCounter
from tracker.ratelimit_storage import PURGE_SECONDS, DatabaseStorage, stored_key

pytestmark = pytest.mark.committed

T0 = 1_720_000_000.0  # 2024-07-03, a whole second


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(app):
    with app.app_context():
        return db.engine


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(engine, clock):
    return DatabaseStorage("tracker-db://", engine=engine, clock=clock)


def rows(engine) -> dict[str, tuple[int, datetime]]:
    with engine.connect() as conn:
        found = conn.execute(select(RateLimitCounter.__table__)).all()
    return {key: (count, expiry) for key, count, expiry in found}


def test_a_hit_starts_a_window_that_counts_until_it_ends(store, clock):
    assert store.get("k") == 0
    assert store.get_expiry("k") == T0  # no window: it ends now, as the library's stores say
    assert store.incr("k", 60) == 1
    clock.now += 30
    assert store.incr("k", 60, amount=2) == 3  # the window keeps its end
    assert store.get("k") == 3
    assert store.get_expiry("k") == T0 + 60
    clock.now = T0 + 60
    assert store.get("k") == 0  # ended: counts as absent
    assert store.get_expiry("k") == T0 + 60
    assert store.incr("k", 60) == 1  # a new window from this hit
    assert store.get_expiry("k") == T0 + 120


def test_keys_and_windows_are_counted_apart(store):
    assert [store.incr("a", 60), store.incr("a", 60), store.incr("b", 3600)] == [1, 2, 1]
    assert (store.get("a"), store.get("b")) == (2, 1)
    assert store.get_expiry("b") == T0 + 3600


def test_clear_forgets_one_key_and_reset_every_key(store, engine):
    for key in ("a", "a", "b", "c"):
        store.incr(key, 60)
    store.clear("a")
    assert (store.get("a"), store.get("b")) == (0, 1)
    assert store.reset() == 2
    assert rows(engine) == {}


def test_ended_windows_are_deleted_at_most_every_few_minutes(store, clock, engine):
    store.incr("short", 10)  # the first hit of the process purges (nothing yet)
    clock.now += 20
    store.incr("other", 10)
    assert set(rows(engine)) == {"short", "other"}  # "short" ended, but no purge is due
    clock.now = T0 + PURGE_SECONDS + 1
    store.incr("long", 3600)
    assert set(rows(engine)) == {"long"}


def test_a_failed_purge_does_not_fail_the_hit(store, monkeypatch):
    def broken():
        raise OperationalError("DELETE", {}, Exception("locked"))

    monkeypatch.setattr(store, "purge", broken)
    assert store.incr("k", 60) == 1


@pytest.mark.parametrize(
    "key",
    [
        "LIMITER/email:" + "x" * 1000 + "@example.org/auth.login/10/1/minute",
        "LIMITER/email:a\x00b@example.org/auth.login/10/1/minute",
        "LIMITER/email:\ud800@example.org/auth.login/10/1/minute",
        "LIMITER/email:\u202eevil@example.org/auth.login/10/1/minute",
    ],
    ids=["long", "nul", "surrogate", "bidi-control"],
)
def test_keys_a_database_could_refuse_are_counted_under_a_digest(store, engine, key):
    assert [store.incr(key, 60), store.incr(key, 60), store.get(key)] == [1, 2, 2]
    (kept,) = rows(engine)
    assert kept == stored_key(key) and "#sha256:" in kept and len(kept) <= 255
    assert store.get(key + "x") == 0


def test_ordinary_keys_are_kept_as_they_are():
    key = "LIMITER/email:đầu-mối@hà-nội.gov.vn/auth.login/10/1/minute"
    assert stored_key(key) == key


def _hit_together(store, key: str, threads: int, hits: int) -> list[int]:
    """Hit ``key`` ``hits`` times from each of ``threads`` threads started together;
    return every count the hits returned."""
    start = threading.Barrier(threads)
    returned: list[int] = []
    errors: list[BaseException] = []

    def work():
        try:
            start.wait()
            returned.extend(store.incr(key, 60) for _ in range(hits))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert errors == []
    return returned


def test_hits_from_many_connections_at_once_are_all_counted(store):
    returned = _hit_together(store, "k", threads=8, hits=25)
    # Each hit saw the count its own increment made: none lost, none counted twice.
    assert sorted(returned) == list(range(1, 201))
    assert store.get("k") == 200


def test_an_ended_window_hit_by_many_at_once_starts_again_once(store, clock):
    for _ in range(3):
        store.incr("k", 60)
    clock.now += 61
    returned = _hit_together(store, "k", threads=8, hits=10)
    assert sorted(returned) == list(range(1, 81))
    assert store.get_expiry("k") == T0 + 61 + 60


def test_a_count_survives_the_requests_rollback(app, store, engine):
    with app.app_context():
        db.session.add(RateLimitCounter(key="from-the-session", count=5, expiry=datetime.now(UTC)))
        db.session.flush()
        assert store.incr("k", 60) == 1
        db.session.rollback()
    assert set(rows(engine)) == {"k"}


# --- Through the app ------------------------------------------------------------------------


@pytest.fixture
def counted_in_database(app):
    """An app on the test's database whose limiter counts in it (the default a deployment
    gets); the next test's ``app`` fixture puts the shared limiter back in memory."""
    other = create_app({**app.config, "RATELIMIT_STORAGE_URI": "tracker-db://"})
    assert isinstance(limiter.storage, DatabaseStorage)
    return other


def _wrong_password(client, email: str) -> int:
    return client.post("/login", data={"email": email, "password": "doan-sai"}).status_code


def test_failed_sign_ins_count_in_the_database_and_the_eleventh_is_refused(
    counted_in_database, build
):
    email = build(lambda make: make.user(role="focal_point").email)
    client = counted_in_database.test_client()
    assert [_wrong_password(client, email) for _ in range(11)] == [200] * 10 + [429]
    with counted_in_database.app_context():
        counts = db.session.execute(
            select(RateLimitCounter.key, RateLimitCounter.count).where(
                RateLimitCounter.key.contains(email)
            )
        ).all()
    by_window = {key.rsplit("/", 1)[-1]: count for key, count in counts}
    # Each of the account's two limits, the minute's and the day's, counted every failure
    # (the refused one may count too: Flask-Limiter's rule, not the store's).
    assert set(by_window) == {"minute", "day"} and min(by_window.values()) >= 10


def test_a_failing_store_neither_fails_sign_in_nor_stops_the_limits(
    counted_in_database, build, monkeypatch
):
    email = build(lambda make: make.user(role="focal_point").email)

    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("could not connect"))

    for method in ("incr", "get", "get_expiry"):
        monkeypatch.setattr(limiter.storage, method, broken)
    monkeypatch.setattr(limiter.storage, "check", lambda: False)
    client = counted_in_database.test_client()
    # Each worker counts in its memory meanwhile: limited as memory:// limits.
    assert [_wrong_password(client, email) for _ in range(11)] == [200] * 10 + [429]
    with counted_in_database.app_context():
        assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) == 0


def test_a_store_that_fails_once_leaves_the_sign_in_answered(counted_in_database, build):
    """The count after the answer (a failed sign-in) cannot be made: logged, not a 500."""
    email = build(lambda make: make.user(role="focal_point").email)
    storage = limiter.storage
    calls = {"incr": 0}
    real = storage.incr

    def incr_fails_once(*args, **kwargs):
        calls["incr"] += 1
        if calls["incr"] == 1:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    storage.incr = incr_fails_once
    try:
        client = counted_in_database.test_client()
        assert _wrong_password(client, email) == 200
    finally:
        del storage.incr


def test_a_code_refused_after_the_answer_is_counted_without_waiting(counted_in_database, build):
    """On SQLite the request's session holds the write lock while the view answers: the
    count of a refused code is made when the request ends, not after a lock timeout."""
    counted_in_database.config["RATELIMIT_TWO_FACTOR"] = "2 per minute"

    def enrolled(make):
        user = make.user(role="coordinator", email="dp@example.org", language="en")
        secret_key = counted_in_database.config["SECRET_KEY"]
        return two_factor.enrol(user, secret_key=secret_key, now=NOW)

    phone = build(enrolled)
    client = counted_in_database.test_client()
    signed_in = client.post("/login", data={"email": "dp@example.org", "password": "secret-pass"})
    assert signed_in.status_code == 302
    assert client.post("/login/code", data={"code": phone.code()}).status_code == 302
    answers = []
    for proof in ("000000", "000000", "secret-pass"):
        started = time.monotonic()
        answer = client.post("/account/two-factor/disable", data={"disable-proof": proof})
        answers.append((answer.status_code, time.monotonic() - started < 5))
    assert answers == [(422, True), (422, True), (429, True)]
