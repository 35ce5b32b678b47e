"""Imports off the request: a file of more than ``Settings.import_background_rows`` rows is
kept in an ``ImportJob`` and imported by the scheduler's worker (or ``tracker
import-jobs``), all or nothing exactly as in the request, while its page shows the
progress.

The progress is written through a second session, each step in its own short transaction,
so the page sees it while the import's transaction is still reading. The import's result
is written in the import's own transaction: either both are saved or neither. A job whose
worker stopped (no progress for ``STALE``) is taken up again; an import run twice changes
nothing the second time, so that is safe. After ``MAX_ATTEMPTS`` it fails.

On SQLite, whose one writer the import's transaction holds once it reads the database,
the page sees the rows being read, then the result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from tracker.extensions import db
from tracker.models import ImportJob, Role, User
from tracker.models.imports import DONE, FAILED, QUEUED, RUNNING
from tracker.services import events
from tracker.services.access import NOT_FOUND
from tracker.services.errors import NotAllowed, NotFound, ServiceError
from tracker.services.imports import importing
from tracker.services.imports.reading import check_file
from tracker.services.imports.result import ImportResult
from tracker.settings import Settings

log = logging.getLogger(__name__)

STALE = timedelta(minutes=10)
MAX_ATTEMPTS = 3
KEPT_NAMES = 100  # names of created and updated rows kept with a result (the page shows 100)
KEPT_ERRORS = 1000  # bad rows kept with a result

INTERRUPTED = _l(
    "The import was interrupted several times and was not finished. Nothing was imported: "
    "import the file again."
)
UNEXPECTED = _l("The import stopped on an unexpected error. Nothing was imported.")


def queue_if_large(
    kind: str,
    data: bytes,
    *,
    actor: User,
    now: datetime,
    settings: Settings,
    file_name: str = "",
    dry_run: bool = False,
    invite: bool = False,
) -> ImportJob | None:
    """Keep ``data`` for the worker when it holds more lines than
    ``Settings.import_background_rows`` and commit; return None for a smaller file, which is
    imported in the request. Raise ServiceError at once for a file that is refused before
    its rows are read (too large, a bomb, too many rows), whatever its size."""
    if not importing.may_import(actor, kind):
        raise NotAllowed(NOT_FOUND)
    lines = check_file(data, max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)
    threshold = settings.import_background_rows
    if not (threshold > 0 and lines > threshold):
        return None
    job = ImportJob(
        user_id=actor.id,
        kind=kind,
        dry_run=dry_run,
        invite=invite and kind == "users",
        file_name=" ".join(file_name.split())[:255],
        data=data,
        state=QUEUED,
        rows_total=max(0, lines - 1),
        created_at=now,
    )
    db.session.add(job)
    db.session.flush()
    events.record(
        "import_queued",
        actor=actor,
        now=now,
        target=f"import_job:{job.id}",
        note=job.file_name,
        data={"kind": kind, "rows": job.rows_total, "dry_run": job.dry_run},
    )
    db.session.commit()
    return job


def visible(user: User, job_id: int) -> ImportJob:
    """Return the job for the user who queued it (or an administrator), else NotFound."""
    job = db.session.get(ImportJob, job_id)
    if job is None or (job.user_id != user.id and user.role != Role.ADMIN):
        raise NotFound(NOT_FOUND)
    return job


def recent(user: User, limit: int = 5) -> list[ImportJob]:
    """Return the user's latest jobs, newest first (without their files)."""
    query = (
        select(ImportJob)
        .where(ImportJob.user_id == user.id)
        .order_by(ImportJob.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


# ------------------------------------------------------------------------------ the worker


def run_pending(settings: Settings, clock: Callable[[], datetime], *, most: int = 10) -> int:
    """Run queued jobs, oldest first, at most ``most`` of them; return how many ran."""
    ran = 0
    while ran < most and (job_id := claim(clock())) is not None:
        run(job_id, settings=settings, clock=clock)
        ran += 1
    return ran


def claim(now: datetime) -> int | None:
    """Take the oldest queued job (after putting back those whose worker stopped) and
    commit; None when none waits. Two workers never take the same job: the update that
    takes it only succeeds while it is still queued."""
    _recover(now)
    for _attempt in range(5):
        job_id = db.session.scalar(
            select(ImportJob.id).where(ImportJob.state == QUEUED).order_by(ImportJob.id).limit(1)
        )
        if job_id is None:
            db.session.rollback()
            return None
        taken = db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.state == QUEUED)
            .values(
                state=RUNNING,
                stage="",
                rows_done=0,
                started_at=now,
                heartbeat_at=now,
                attempts=ImportJob.attempts + 1,
            )
        ).rowcount
        db.session.commit()
        if taken == 1:
            return job_id
    return None


def _recover(now: datetime) -> None:
    stopped = (ImportJob.state == RUNNING) & (ImportJob.heartbeat_at < now - STALE)
    db.session.execute(
        update(ImportJob)
        .where(stopped, ImportJob.attempts >= MAX_ATTEMPTS)
        .values(state=FAILED, problem="", data=None, finished_at=now)
    )
    db.session.execute(update(ImportJob).where(stopped).values(state=QUEUED))
    db.session.commit()


def run(job_id: int, *, settings: Settings, clock: Callable[[], datetime]) -> None:
    """Import a claimed job's file, telling its progress as it goes, and keep the result."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.state != RUNNING:
        db.session.rollback()
        return
    user = db.session.get(User, job.user_id)
    kind, data, dry_run, invite = job.kind, job.data or b"", job.dry_run, job.invite
    language = user.language or settings.default_language
    db.session.rollback()  # nothing is held while the file is read

    def progress(stage: str, rows: int) -> None:
        _tell(job_id, stage=stage, rows_done=rows, heartbeat_at=clock())

    ended: list[ImportResult] = []  # the import wrote the result in its own transaction

    def written(result: ImportResult) -> None:
        _end(job_id, DONE, clock(), result=stored(result))
        ended.append(result)

    with force_locale(language):
        try:
            result = importing.run_import(
                kind, data, actor=user, now=clock(), settings=settings, dry_run=dry_run,
                invite=invite, progress=progress, on_written=written,
            )  # fmt: skip
        except Exception as error:
            if isinstance(error, ServiceError):
                problem = str(error.message)
            else:
                log.exception("import job %s failed", job_id)
                problem = str(UNEXPECTED)
            db.session.rollback()
            _end(job_id, FAILED, clock(), problem=problem)
            db.session.commit()
            return
    if not ended:  # checked, refused or unchanged: nothing was written
        _end(job_id, DONE, clock(), result=stored(result))
        db.session.commit()


def _tell(job_id: int, **values) -> None:
    """Write progress in a transaction of its own (another session, another connection),
    so the page reads it while the import's transaction is open. SQLite has one writer:
    while the import's transaction holds it, the progress waits for the result."""
    if db.session().in_transaction() and db.engine.dialect.name == "sqlite":
        return
    with db.session.session_factory() as side:
        side.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))
        side.commit()


def _end(job_id: int, state: str, now: datetime, *, result=None, problem: str = "") -> None:
    """Mark the job ended in the current transaction; the file is no longer kept."""
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(
            state=state,
            result=result,
            problem=problem[:1000],
            data=None,
            heartbeat_at=now,
            finished_at=now,
        )
    )


def stored(result: ImportResult) -> dict:
    """Return what a job keeps of a result (as JSON): counts, the first names, the first
    bad rows with their messages in the user's language."""
    return {
        "kind": result.kind,
        "dry_run": result.dry_run,
        "created": result.created[:KEPT_NAMES],
        "created_total": len(result.created),
        "updated": result.updated[:KEPT_NAMES],
        "updated_total": len(result.updated),
        "unchanged": result.unchanged,
        "assignments": result.assignments,
        "invited": result.invited,
        "errors": [
            {"line": e.line, "column": e.column, "value": e.value, "message": str(e.message)}
            for e in result.errors[:KEPT_ERRORS]
        ],
        "errors_total": len(result.errors),
    }


@dataclass(frozen=True)
class Progress:
    """What the job's page shows: how far it is, in percent, and at which stage."""

    state: str
    stage: str
    rows_done: int
    rows_total: int
    percent: int


# Each stage's share of the bar: reading the rows is most of the time, then checking them
# against the database, then writing.
_BANDS = {"": (0, 0), "reading": (0, 60), "checking": (60, 80), "writing": (80, 99)}


def progress_of(job: ImportJob) -> Progress:
    """Return the job's progress for its page."""
    if job.state in (DONE, FAILED):
        percent = 100
    elif job.state == QUEUED:
        percent = 0
    else:
        low, high = _BANDS.get(job.stage, (0, 0))
        share = job.rows_done / job.rows_total if job.rows_total and job.stage == "reading" else 0
        percent = low + int((high - low) * min(1.0, share))
    return Progress(job.state, job.stage, job.rows_done, job.rows_total, percent)
