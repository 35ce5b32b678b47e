"""Recovery codes: ten single-use codes for signing in without the authenticator app. They
are shown once, when made; only their hashes are kept (a code is some 59 random bits, so
a plain hash is enough: nothing as guessable as a password is being protected)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update

from tracker.domain import two_factor as rules
from tracker.extensions import db
from tracker.models import RecoveryCode, User


def _hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{code}".encode()).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(rules.RECOVERY_ALPHABET) for _ in range(rules.RECOVERY_LENGTH))


def replace(user: User, *, now: datetime) -> list[str]:
    """Void the user's recovery codes and make new ones; return them as they are shown
    (not committed)."""
    remove_all(user.id)
    codes = [_new_code() for _ in range(rules.RECOVERY_COUNT)]
    db.session.execute(
        insert(RecoveryCode),
        [{"user_id": user.id, "code_hash": _hash(user.id, c), "created_at": now} for c in codes],
    )
    return [rules.written(code) for code in codes]


def remove_all(user_id: int) -> None:
    """Delete the user's recovery codes, used or not (not committed)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def remaining(user_id: int) -> int:
    """Return how many of the user's recovery codes are still unused."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )


def spend(user: User, code: str, *, now: datetime) -> bool:
    """Mark the unused recovery code ``code`` (normalised) of ``user`` used; return whether
    there was one (not committed). Two requests spending one code at once: one wins."""
    if not rules.is_recovery_code(code):
        return False
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(user.id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    ).rowcount
    return spent == 1
