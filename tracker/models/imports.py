"""Imports run in the background: a large file waits here for the scheduler's worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base

# queued → running → done (``result`` holds what the import did, or every bad row) or
# failed (``problem``: the file could not be read, or the import was interrupted too often).
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class ImportJob(Base):
    """One uploaded file to import (or check) off the request, all or nothing, with its
    progress for the page that polls it. The file is kept in the row (the worker may run
    on another machine than the web server) and dropped once the job has ended."""

    __tablename__ = "import_job"
    __table_args__ = (
        Index("ix_import_job_state", "state", "id"),
        Index("ix_import_job_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(10))  # units, users, tasks
    dry_run: Mapped[bool] = mapped_column(default=False)
    invite: Mapped[bool] = mapped_column(default=False)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    stage: Mapped[str] = mapped_column(String(10), default="")  # reading, checking, writing
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict | None] = mapped_column(JSON)
    problem: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
