"""Whether this instance can serve, as a load balancer or a monitor asks it (``/readyz``):
the database answers, its schema is at the code's migration head, the reminder sweep has
run recently and the outbox is moving. Each check says only ok or what is wrong, never an
error's text, an address or a revision: the answer is public."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db
from tracker.services.reminders import status as scheduler_status
from tracker.settings import Settings

OK = "ok"
MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


@dataclass(frozen=True)
class Readiness:
    """The checks by name ("database", "migrations", "sweep", "outbox"), each "ok" or what
    is wrong ("unreachable", "not at head", "stale", "stuck", "not checked")."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(value == OK for value in self.checks.values())


@functools.cache
def migration_head() -> str:
    """Return the revision the code's migrations end at (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(config).get_current_head() or ""


def readiness(now: datetime, settings: Settings) -> Readiness:
    """Run the checks: one query for the schema's revision, the status page's for the rest.
    A database that does not answer leaves the other checks "not checked"."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        skipped = "not checked"
        return Readiness(
            {"database": "unreachable", "migrations": skipped, "sweep": skipped, "outbox": skipped}
        )
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:  # never migrated
        db.session.rollback()
        revision = None
    found = scheduler_status.status(now, settings)
    return Readiness(
        {
            "database": OK,
            "migrations": OK if revision == migration_head() else "not at head",
            "sweep": "stale" if found.stale else OK,
            "outbox": "stuck" if found.queue.warning else OK,
        }
    )
