"""One sweep at a time: PostgreSQL's advisory lock, held for the whole run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from tracker.extensions import db

# Any constant works: it only has to be the same for every process of this deployment.
ADVISORY_LOCK_KEY = 0x7472_6B72  # "trkr"


def is_exclusive() -> bool:
    """Return True when ``exclusive`` really excludes other sweeps (PostgreSQL)."""
    return db.engine.dialect.name == "postgresql"


@contextmanager
def exclusive() -> Iterator[bool]:
    """Hold PostgreSQL's advisory lock for the run (yield False if another holds it).

    The ledger's unique key already prevents double emails; the lock just stops two
    sweeps from doing the same work. SQLite has no such lock and relies on the ledger.
    """
    if not is_exclusive():
        yield True
        return
    with db.engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        acquired = bool(got.scalar())
        try:
            yield acquired
        finally:
            if acquired:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            conn.commit()
