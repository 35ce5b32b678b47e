"""Each sweep's run, for the status page: started (committed at once), finished with its
counts, skipped with the reason, or found interrupted by a later sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from tracker.extensions import db
from tracker.models import SweepRun
from tracker.settings import Settings

INTERRUPTED_NOTE = "the process ended before the sweep finished"


def start_run(now: datetime, settings: Settings, *, exclusive: bool) -> int:
    """Record (committed) that a sweep started at ``now``; return its id.

    Runs still ``running`` belong to sweeps whose process died: with the lock held
    (``exclusive``, PostgreSQL) no other sweep runs, so every one of them is marked
    interrupted; without it (SQLite) only those running for longer than
    ``sweep_stale_hours``. Their work is not lost: what they had not queued is planned again.
    """
    stale = update(SweepRun).where(SweepRun.kind == "sweep", SweepRun.status == "running")
    if not exclusive:
        stale = stale.where(
            SweepRun.started_at < now - timedelta(hours=float(settings.sweep_stale_hours))
        )
    db.session.execute(
        stale.values(status="interrupted", note=INTERRUPTED_NOTE).execution_options(
            synchronize_session=False
        )
    )
    run = SweepRun(kind="sweep", started_at=now, status="running")
    db.session.add(run)
    db.session.commit()
    return run.id


def finish_run(
    run_id: int,
    finished_at: datetime,
    *,
    planned: int,
    queued: int,
    cancelled: int,
    unreachable: int,
) -> None:
    """Record (committed) that a sweep finished, with what it did (``sent`` counts the
    emails it queued)."""
    db.session.execute(
        update(SweepRun)
        .where(SweepRun.id == run_id)
        .values(
            finished_at=finished_at,
            planned=planned,
            sent=queued,
            failed=0,
            cancelled=cancelled,
            unreachable=unreachable,
            status="ok",
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def skipped_run(now: datetime, note: str) -> None:
    """Record (committed) a sweep that had nothing to do, and why."""
    db.session.add(
        SweepRun(kind="sweep", started_at=now, finished_at=now, status="skipped", note=note)
    )
    db.session.commit()
