"""The database's data version: a value read in the statement that loads the signed-in
user, equal in two statements only when they see the same committed data.

On PostgreSQL it is the statement's snapshot (``pg_current_snapshot()``: the transactions it
counts as committed and those still running). A transaction that writes takes a new
transaction id and moves the snapshot on, and its commit moves it again; transactions that
only read change nothing. So a page built after reading version V shows data at least as
new as V, and a page kept under V is still true while the version reads V. SQLite has no
such value: nothing is kept there (``column`` gives None).

Within one transaction the snapshot does not move with the transaction's own writes; pages
are read in a request's own short transaction, after the writes of earlier requests have
committed.
"""

from __future__ import annotations

from sqlalchemy import Text, cast, func

from tracker.extensions import db


def column():
    """Return the column expression giving the data version, or None where the database
    has none."""
    if db.engine.dialect.name != "postgresql":
        return None
    return cast(func.pg_current_snapshot(), Text).label("data_version")
