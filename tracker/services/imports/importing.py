"""Importing a file: who may import which kind, and the import itself.

Everything is checked before anything is written: one bad row rejects the whole file, and
every bad row is reported with its line. A good file is written in one transaction, and
importing it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import ModuleType

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.localtime import local_date
from tracker.extensions import db
from tracker.models import Role, User
from tracker.services import access, events
from tracker.services.accounts import queue_reset_links
from tracker.services.errors import ServiceError
from tracker.services.imports import tasks, units, users
from tracker.services.imports.columns import Column, map_rows
from tracker.services.imports.reading import read_table
from tracker.services.imports.result import ImportResult
from tracker.settings import Settings

KINDS: dict[str, ModuleType] = {"units": units, "users": users, "tasks": tasks}

# Who may import what: the people who may make the same changes in the pages.
_ROLES = {
    "units": (Role.ADMIN,),
    "users": (Role.ADMIN,),
    "tasks": (Role.COORDINATOR, Role.ADMIN),
}

READING, CHECKING, WRITING = "reading", "checking", "writing"  # a background import's stages

CHANGED_MEANWHILE = _l(
    "Someone changed the same data while the file was being imported. Nothing was imported: "
    "import the file again."
)


def may_import(user: User, kind: str) -> bool:
    """Return whether ``user`` may import files of ``kind``."""
    return kind in _ROLES and user.role in _ROLES[kind]


def columns_of(kind: str) -> tuple[Column, ...]:
    """Return the columns a file of ``kind`` may have, in the template's order."""
    return KINDS[kind].COLUMNS


def run_import(
    kind: str,
    data: bytes,
    *,
    actor: User | None,
    now: datetime,
    settings: Settings,
    dry_run: bool = False,
    invite: bool = False,
    progress: Callable[[str, int], None] | None = None,
    on_written: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Return what importing ``data`` did, or with ``dry_run`` would do; when the result has
    errors nothing was written.

    ``actor`` None is the command line run by the system's operator. With ``invite``, new
    accounts get an email with a link to choose a password, queued in the import's own
    transaction (the outbox's sender delivers them).
    ``progress`` (a background import's) is told each stage: ("reading", rows read so far),
    ("checking", rows) once read, ("writing", rows) once checked; ``on_written`` is called
    with the result in the import's own transaction, before it commits.
    Raises ServiceError when the file cannot be read at all.
    """
    told = progress or (lambda _stage, _rows: None)
    # The file is read before the database is: a background import tells its progress
    # meanwhile, which SQLite (one writer) allows only while no transaction is open here.
    sheet = read_table(
        data,
        max_bytes=settings.import_max_bytes,
        max_rows=settings.import_max_rows,
        progress=lambda rows: told(READING, rows),
    )
    told(CHECKING, len(sheet.rows))
    if actor is not None:
        access.require_role(actor, *_ROLES[kind])
    module = KINDS[kind]
    rows, header_errors = map_rows(module.COLUMNS, sheet)
    result = ImportResult(kind, dry_run, errors=header_errors)
    if header_errors:
        return result
    plan = module.plan(rows, actor=actor, today=local_date(now, settings.zone), settings=settings)
    result.errors = sorted(plan.errors, key=lambda e: e.line)
    result.created, result.updated = plan.created, plan.updated
    result.unchanged, result.assignments = plan.unchanged, plan.assignments
    if result.errors or dry_run or not result.changes:
        db.session.rollback()  # only reads happened: end the transaction
        return result
    told(WRITING, len(sheet.rows))
    try:
        plan.apply(actor, now)
        events.record("import", actor=actor, now=now, target=f"import:{kind}", data=result.counts())
        invitees = plan.invitees() if invite else []
        if invitees:
            db.session.flush()
            result.invited = len(
                queue_reset_links(
                    invitees,
                    actor=actor,
                    now=now,
                    kind="invitation_sent",
                    settings=settings,
                    invitation=True,
                )
            )
        if on_written is not None:
            on_written(result)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise ServiceError(CHANGED_MEANWHILE) from None
    return result
