"""Claiming: one ledger row per (item, recipient), exactly once across processes, written in
the transaction that queues its email and pointing at it (or linked to it afterwards, when
the claims are taken before composing); what no longer applies is written cancelled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from typing import NamedTuple

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, select, update
from sqlalchemy.dialects import sqlite

from tracker.domain.reminders.planning import Notice, ledger_key
from tracker.extensions import db
from tracker.models import Assignment, Reminder, User
from tracker.services.reminders import rows

OPEN = ("assigned", "in_progress")
QUEUED, CANCELLED = "queued", "cancelled"
NO_LONGER_APPLIES = "no longer applies when queued"
RECIPIENT_INACTIVE = "recipient deactivated"


@dataclass(frozen=True)
class Claim:
    """A ledger row to claim: who gets which stage of what, anchored on which date."""

    kind: str  # assignment, digest, weekly, nudge
    recipient: str
    stage: str
    day: date
    assignment_id: int | None = None
    task_id: int | None = None
    unit_id: int | None = None
    recipient_user_id: int | None = None

    @cached_property  # read several times per claim by a batch
    def key(self) -> str:
        """Return the unique key: one row per (assignment, recipient, stage, date)."""
        subject = self.assignment_id if self.assignment_id is not None else self.kind
        return f"{subject}|{self.recipient.lower()}|{self.stage}|{self.day.isoformat()}"


def notice_claim(notice: Notice, address: str, user_ids: Mapping[str, int]) -> Claim:
    """Return the claim of one notice for one address."""
    assignment_id, stage, day = ledger_key(notice)
    return Claim(
        kind="assignment",
        recipient=address,
        stage=stage,
        day=day,
        assignment_id=assignment_id,
        task_id=notice.task_id,
        unit_id=notice.unit_id,
        recipient_user_id=user_ids.get(address.lower()),
    )


def daily_digest_claim(address: str, today: date, user_ids: Mapping[str, int]) -> Claim:
    """Return the claim of a coordinator's daily digest of ``today``."""
    user_id = user_ids.get(address.lower())
    return Claim("digest", address, "digest", today, recipient_user_id=user_id)


def weekly_summary_claim(address: str, user_id: int, today: date) -> Claim:
    """Return the claim of a coordinator's weekly summary sent ``today``."""
    return Claim("weekly", address, "weekly", today, recipient_user_id=user_id)


COLUMNS = (
    "dedupe_key", "kind", "assignment_id", "task_id", "unit_id", "recipient",
    "recipient_user_id", "stage", "day", "state", "last_error", "email_id",
)  # fmt: skip
# PostgreSQL: each column's array type, for the driver-level statement below.
_ARRAY_TYPES = (
    "varchar[]", "varchar[]", "int[]", "int[]", "int[]", "varchar[]",
    "int[]", "varchar[]", "date[]", "varchar[]", "text[]", "int[]",
)  # fmt: skip


def _is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@cache
def _claim_on_sqlite():
    table = Reminder.__table__
    return (
        sqlite.insert(table)
        .values(copy=False, claimed_at=bindparam("claimed_at"))
        .on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
        .returning(table.c.dedupe_key)
    )


@cache
def _driver_insert(dialect_name: str) -> str:
    """The insert of a batch of claims, for the driver (SQLAlchemy's statement building and
    parameter conversion were most of a large sweep's claiming time), ignoring any that
    someone holds.

    PostgreSQL: one constant statement whose parameters are one array per column, planned
    once whatever the number of rows; it returns the keys it wrote. SQLite: one row of
    parameters per claim, run as an ``executemany``.
    """
    head = f"INSERT INTO {Reminder.__table__.name} ({', '.join(COLUMNS)}, copy, claimed_at) "
    tail = " ON CONFLICT (dedupe_key) DO NOTHING"
    if dialect_name == "postgresql":
        arrays = ", ".join(f"%s::{kind}" for kind in _ARRAY_TYPES)
        rows = f"SELECT claims.*, false, %s::timestamptz FROM unnest({arrays}) AS claims"
        return head + rows + tail + " RETURNING dedupe_key"
    return head + f"VALUES ({', '.join('?' for _ in COLUMNS)}, 0, ?)" + tail


def _records(
    claims: Sequence[Claim], dead: Mapping[str, str], email_of: Mapping[str, int]
) -> list[tuple]:
    """Return one row of ``COLUMNS`` per distinct claim."""
    return [
        (
            c.key,
            c.kind,
            c.assignment_id,
            c.task_id,
            c.unit_id,
            c.recipient.lower(),
            c.recipient_user_id,
            c.stage,
            c.day,
            CANCELLED if c.key in dead else QUEUED,
            dead.get(c.key, ""),
            email_of.get(c.key),
        )
        for c in {c.key: c for c in claims}.values()
    ]


def _insert(records: list[tuple], now: datetime) -> tuple[int, set[str] | None]:
    """Insert ``records`` through the driver; return how many were written and, on
    PostgreSQL, their keys."""
    connection = db.session.connection()
    dialect = connection.dialect
    sql = _driver_insert(dialect.name)
    if dialect.name == "postgresql":
        arrays = [list(column) for column in zip(*records, strict=True)]
        keys = set(connection.exec_driver_sql(sql, (now, *arrays)).scalars())
        return len(keys), keys
    table = Reminder.__table__
    day = table.c.day.type.dialect_impl(dialect).bind_processor(dialect)
    stamp = table.c.claimed_at.type.dialect_impl(dialect).bind_processor(dialect)
    at = stamp(now) if stamp else now
    day_at = COLUMNS.index("day")
    rows = [
        (*r[:day_at], day(r[day_at]) if day else r[day_at], *r[day_at + 1 :], at) for r in records
    ]
    return connection.exec_driver_sql(sql, rows).rowcount, None


def claim(
    claims: Sequence[Claim], now: datetime, dead: Mapping[str, str] | None = None
) -> set[str]:
    """Insert the claims that nobody holds yet and return their keys (not committed: the
    caller commits them with the emails they stand for, then ``link``s them).

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on the unique key, one statement for
    the whole batch: when two sweeps race, each key goes to exactly one of them. Claims in
    ``dead`` (key -> reason) are written cancelled.
    """
    if not claims:
        return set()
    records = _records(claims, dead or {}, {})
    if _is_postgresql():
        return _insert(records, now)[1] or set()
    values = [dict(zip(COLUMNS, record, strict=True)) | {"claimed_at": now} for record in records]
    return set(db.session.scalars(_claim_on_sqlite(), values))


def claim_all(
    claims: Sequence[Claim], now: datetime, dead: Mapping[str, str], email_of: Mapping[str, int]
) -> bool:
    """Insert the claims, each pointing at its queued email in ``email_of`` (key -> outbox
    id), those in ``dead`` cancelled; return whether every one was written (when not,
    someone holds one of them, and the caller rolls the batch back). Not committed."""
    records = _records(claims, dead, email_of)
    return not records or _insert(records, now)[0] == len(records)


def link(email_of: Mapping[str, int]) -> None:
    """Point each claimed row (by key) at the email that settles it, one compiled statement
    for them all (not committed)."""
    if not email_of:
        return
    table = Reminder.__table__
    if _is_postgresql():
        pairs = (
            func.unnest(
                bindparam("claimed_keys", type_=ARRAY(table.c.dedupe_key.type)),
                bindparam("queued_emails", type_=ARRAY(table.c.email_id.type)),
            )
            .table_valued("claimed_key", "queued_email")
            .render_derived(name="links")
        )
        statement = (
            update(table)
            .where(table.c.dedupe_key == pairs.c.claimed_key)
            .values(email_id=pairs.c.queued_email)
        )
        db.session.execute(
            statement,
            {"claimed_keys": list(email_of), "queued_emails": list(email_of.values())},
        )
        return
    statement = (
        update(table)
        .where(table.c.dedupe_key == bindparam("claimed_key"))
        .values(email_id=bindparam("queued_email"))
    )
    db.session.execute(
        statement,
        [{"claimed_key": key, "queued_email": email_id} for key, email_id in email_of.items()],
    )


class Current(NamedTuple):
    """An assignment as it is now, as far as a reminder's validity goes."""

    state: str
    unit_id: int
    due_date: date | None
    returned: bool


def current_assignments(assignment_ids: Iterable[int]) -> dict[int, Current]:
    """Return the assignments as they are now, by id."""
    found: dict[int, Current] = {}
    A = Assignment
    ids = sorted(set(assignment_ids))
    columns = select(A.id, A.state, A.unit_id, A.due_date, A.returned_at)
    if _is_postgresql():  # one array, whatever the number
        queries = [columns.where(A.id == any_(bindparam("ids", ids, type_=ARRAY(Integer))))]
    else:  # a list of at most 900 at a time
        queries = [columns.where(A.id.in_(part)) for part in rows.chunks(ids)]
    for query in queries:
        for aid, state, unit_id, due, returned_at in db.session.execute(query):
            found[aid] = Current(state, unit_id, due, returned_at is not None)
    return found


def still_applies(notice: Notice, assignment: Current | None) -> bool:
    """Return whether a planned notice is still true now: open, same unit, same due date."""
    if assignment is None or assignment.state not in OPEN or assignment.unit_id != notice.unit_id:
        return False
    if notice.returned_on is not None:
        return assignment.returned
    return assignment.due_date == notice.due


def inactive(addresses: Iterable[str]) -> set[str]:
    """Return those of ``addresses`` (lower-cased) that belong to deactivated users."""
    lowered = sorted({a.lower() for a in addresses})
    found: set[str] = set()
    for start in range(0, len(lowered), rows.CHUNK):
        found.update(
            e.lower()
            for e in db.session.scalars(
                select(User.email).where(
                    User.email.in_(lowered[start : start + rows.CHUNK]), User.active.is_(False)
                )
            )
        )
    return found
