"""Flask-Limiter's counts in the app's database (``RATELIMIT_STORAGE_URI = "tracker-db://"``):
every web worker and machine on the same database shares them, without a Redis.

A storage of the ``limits`` library for the fixed-window strategy. Each call runs on its
own short transaction from the app's engine, never the request's ``db.session``: a count
survives the request's rollback, and no row lock is held past the one statement. A hit is
one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (PostgreSQL, SQLite >= 3.35): the
database serialises concurrent hits on one key, so none is lost, and a window that has
ended starts again at the hit's count in the same statement. Ended windows are deleted at
most every ``PURGE_SECONDS`` per process, after a hit.

On SQLite one connection writes at a time, and the request's session holds the write lock
from its first statement (the app begins with ``BEGIN IMMEDIATE``) until it ends: a hit
counted while it is open, such as a refused code counted after the view answered, would
wait for a lock its own thread holds. Such a hit is applied when the request's app context
ends, after the session: the count it returns is the one the hit will make.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, g, has_app_context
from limits.storage import Storage
from sqlalchemy import case, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import READ_ONLY, RELAXED_DURABILITY, db
from tracker.models.ratelimits import KEY_LENGTH, RateLimitCounter

SCHEME = "tracker-db"
PURGE_SECONDS = 300.0

_table = RateLimitCounter.__table__
_log = logging.getLogger(__name__)
_DEFERRED = "tracker_deferred_rate_limit_hits"  # g: hits waiting for the session to end


def init_app(app: Flask) -> None:
    """Apply the hits deferred while the request's session held SQLite's write lock."""
    app.teardown_appcontext(_apply_deferred)


def _apply_deferred(_error: BaseException | None = None) -> None:
    hits = g.pop(_DEFERRED, None)
    if not hits:
        return
    # Flask-SQLAlchemy would end the session right after this (its teardown runs last);
    # ended first, it gives up the lock the hits wait for.
    db.session.remove()
    for storage, key, expiry, amount in hits:
        try:
            storage.incr(key, expiry, amount)
        except SQLAlchemyError:
            _log.warning("could not count a rate-limit hit", exc_info=True)


def _request_holds_sqlite_lock(engine: Engine) -> bool:
    """Whether this thread's request session has a transaction open on the SQLite
    database (which holds its write lock)."""
    if engine.dialect.name != "sqlite" or not has_app_context():
        return False
    return db.session.registry.has() and db.session().in_transaction()


def stored_key(key: str) -> str:
    """Return the key as stored: itself, or a digest when it is too long for the column or
    holds what a database may refuse (NUL, other control characters, lone surrogates).
    Keys carry posted text (an email address): a key the database refused would make the
    limiter give up its shared store for every request of the process."""
    try:
        key.encode("utf-8")
        storable = len(key) <= KEY_LENGTH and key.isprintable()
    except UnicodeEncodeError:
        storable = False
    if storable:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    prefix = "".join(c for c in key[:120] if c.isprintable() and not 0xD800 <= ord(c) < 0xE000)
    return f"{prefix}#sha256:{digest}"


class DatabaseStorage(Storage):
    """Counters in the ``rate_limit_counters`` table.

    ``engine`` defaults to the current app's (each call runs inside the request's app
    context); ``clock`` returns the time in seconds since the epoch (tests pass their own).
    """

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        engine: Engine | None = None,
        clock: Callable[[], float] = time.time,
        **options,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._engine = engine
        self._clock = clock
        self._next_purge = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _bound(self) -> Engine:
        return self._engine if self._engine is not None else db.engine

    def _reader(self) -> Engine:
        engine = self._bound()
        if engine.dialect.name == "sqlite":  # a deferred BEGIN: reads wait for no writer
            return engine.execution_options(**{READ_ONLY: True})
        return engine

    def _writer(self) -> Engine:
        # A count lost to a power cut (never to a killed process) costs an attacker's guess
        # nothing worth an fsync at every failed sign-in on SQLite.
        return self._bound().execution_options(**{RELAXED_DURABILITY: True})

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's window, starting a window of ``expiry`` seconds if it
        has none or its window has ended; return the window's count after the hit."""
        now = self._now()
        engine = self._writer()
        if _request_holds_sqlite_lock(engine):
            g.setdefault(_DEFERRED, []).append((self, key, expiry, amount))
            return self.get(key) + sum(
                hit[3] for hit in g.get(_DEFERRED) if hit[0] is self and hit[1] == key
            )
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        new = insert(_table).values(
            key=stored_key(key),
            count=amount,
            expiry=datetime.fromtimestamp(now.timestamp() + expiry, UTC),
        )
        ended = _table.c.expiry <= now
        upsert = new.on_conflict_do_update(
            index_elements=[_table.c.key],
            # Both expressions read the row as it was before this statement.
            set_={
                "count": case((ended, new.excluded.count), else_=_table.c.count + amount),
                "expiry": case((ended, new.excluded.expiry), else_=_table.c.expiry),
            },
        ).returning(_table.c.count)
        with engine.begin() as conn:
            count = conn.execute(upsert).scalar_one()
        self._purge_now_and_then(now)
        return count

    def get(self, key: str) -> int:
        """Return the count of the key's current window (0 when it has none)."""
        query = select(_table.c.count).where(
            _table.c.key == stored_key(key), _table.c.expiry > self._now()
        )
        with self._reader().connect() as conn:
            return conn.execute(query).scalar() or 0

    def get_expiry(self, key: str) -> float:
        """Return when the key's current window ends (seconds since the epoch; now when it
        has none, as the library's own stores do)."""
        now = self._now()
        query = select(_table.c.expiry).where(
            _table.c.key == stored_key(key), _table.c.expiry > now
        )
        with self._reader().connect() as conn:
            ends = conn.execute(query).scalar()
        return (ends or now).timestamp()

    def check(self) -> bool:
        """Return whether the database answers (Flask-Limiter asks before leaving its
        in-memory fallback)."""
        try:
            with self._reader().connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Delete every counter; return how many there were."""
        with self._writer().begin() as conn:
            return conn.execute(delete(_table)).rowcount

    def clear(self, key: str) -> None:
        """Delete the key's counter: its limit starts afresh."""
        with self._writer().begin() as conn:
            conn.execute(delete(_table).where(_table.c.key == stored_key(key)))

    def purge(self) -> int:
        """Delete the counters whose window has ended; return how many."""
        with self._writer().begin() as conn:
            return conn.execute(delete(_table).where(_table.c.expiry <= self._now())).rowcount

    def _purge_now_and_then(self, now: datetime) -> None:
        """Purge ended windows if this process has not for ``PURGE_SECONDS``. A hit on a
        row being deleted waits for the delete and inserts afresh; a failed purge is only
        logged (the rows are deleted next time, and count as absent meanwhile)."""
        if now.timestamp() < self._next_purge:
            return
        self._next_purge = now.timestamp() + PURGE_SECONDS
        try:
            self.purge()
        except SQLAlchemyError:
            _log.warning("could not delete ended rate-limit windows", exc_info=True)
