"""Idempotency keys for the API's POSTs that create: the first answer to a key is kept for a
day and given again to a retry with the same key and request, so a client that lost the
answer can safely send again. A key is claimed (committed) before the work runs, so two
requests racing with one key do the work once; a claim whose work died (the process was
killed) is taken over after a minute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import IdempotencyKey

KEEP = timedelta(days=1)
ABANDONED_AFTER = timedelta(minutes=1)

NEW, REPLAY, MISMATCH, IN_PROGRESS = "new", "replay", "mismatch", "in progress"


@dataclass(frozen=True)
class Claim:
    """What to do with a request: ``NEW`` (run it, then ``finish`` claim ``row_id``),
    ``REPLAY`` (answer ``status`` and ``body`` again), ``MISMATCH`` (the key came with
    another request) or ``IN_PROGRESS`` (its first request is still being answered)."""

    outcome: str
    row_id: int | None = None
    status: int = 0
    body: str = ""


def claim(token_id: int, key: str, request_hash: str, now: datetime) -> Claim:
    """Claim ``key`` for this request (committed at once), or say why not."""
    found = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.token_id == token_id, IdempotencyKey.key == key)
    )
    if found is not None and found.created_at < now - KEEP:
        db.session.delete(found)
        db.session.flush()
        found = None
    if found is not None:
        if found.request_hash != request_hash:
            return Claim(MISMATCH)
        if found.status:
            return Claim(REPLAY, found.id, found.status, found.body)
        if found.created_at >= now - ABANDONED_AFTER:
            return Claim(IN_PROGRESS)
        found.created_at = now  # its request died unanswered: this one takes it over
        db.session.commit()
        return Claim(NEW, found.id)
    row = IdempotencyKey(
        token_id=token_id, key=key, request_hash=request_hash, status=0, body="", created_at=now
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # another request with the key claimed it meanwhile
        db.session.rollback()
        return Claim(IN_PROGRESS)
    return Claim(NEW, row.id)


def finish(row_id: int, status: int, body: str) -> None:
    """Keep the answer of a claimed key (committed)."""
    row = db.session.get(IdempotencyKey, row_id)
    if row is not None:
        row.status, row.body = status, body
        db.session.commit()


def release(row_id: int) -> None:
    """Give a claimed key up (its request failed on our side: a retry must run again)."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
    db.session.commit()


def prune(now: datetime) -> int:
    """Delete the keys older than a day (committed); return how many."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP)
    )
    db.session.commit()
    return result.rowcount or 0
