"""Delivering the outbox: take due rows, send them over parallel SMTP connections, commit
each outcome as soon as the server has answered.

A row moves pending -> sending (committed before the server sees it) -> sent, or back to
pending with a later ``next_attempt_at`` after a temporary failure, or failed for good
after a permanent refusal or its last attempt, or cancelled when, retried, what it tells no
longer applies. Its ledger rows (``Reminder.email_id``) follow: sent, failed, cancelled.

Threads: ``settings.mail_connections`` worker threads each keep one SMTP session
(``tracker.mail.Transport``) open for the whole pass; they build and send messages and
record each outcome as soon as the server has answered (one commit per message). The
calling thread takes rows, hands them to the workers and puts back what they never
started on.

A crash at any instant loses nothing: rows left ``sending`` longer than
``outbox_stale_seconds`` are taken again. The only message a crash can duplicate is one the
server accepted but whose outcome was not yet committed, and there is at most one such
message at any instant, however many connections: a connection sends the line that ends a
message (before which the server cannot take it) only while it holds the sender's one
*in-doubt* token, which it gives back once that message's outcome is committed. Everything else
(opening sessions, the envelope, the message's bytes) overlaps across connections; the
server's answer to the end of the data and the commit do not. A crash therefore duplicates
at most one message, resent with the same ``Message-ID``.
"""

from __future__ import annotations

import os
import queue
import random
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, bindparam, or_, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from tracker import mail
from tracker.extensions import RELAXED_DURABILITY, db
from tracker.mail import SmtpSettings, Transport
from tracker.models import Assignment, EmailMessage, Heartbeat, Reminder, User
from tracker.models.reminders import CANCELLED, FAILED, PENDING, SENDING, SENT
from tracker.settings import Settings

LONGEST_WAIT_MINUTES = 360
HEARTBEAT = "sender"  # the heartbeat row senders write
BEAT_EVERY_SECONDS = 5.0  # at most one heartbeat write per sender this often

# Emails re-checked before a retry (they tell about assignments), and what that needs.
RECHECKED_KINDS = ("reminder", "escalation", "nudge")
OPEN_STATES = ("assigned", "in_progress")
NO_LONGER_APPLIES = "no longer applies at send time"
RECIPIENT_INACTIVE = "recipient deactivated"

# SQLite: the outcome commits run with ``synchronous=NORMAL`` (WAL mode: no fsync per commit;
# see ``tracker.extensions.RELAXED_DURABILITY``), safe against a killed sender likewise.
# PostgreSQL: the outcome commits do not wait for their WAL record to reach the disk
# (``SET LOCAL synchronous_commit = off``, for those transactions only). Safe against what
# the sender guards against: a killed sender loses nothing the database acknowledged, as the
# commit is already in the server's memory and visible to every session. Only a crash of
# PostgreSQL itself (or its machine) may forget the last fraction of a second of outcomes
# (at most 3 x wal_writer_delay); those messages then go out once more with the same
# Message-ID, as after a sender crash. It pays: each outcome commit lies inside the in-doubt
# window (see the module), which bounds the sending rate, and measured on the 2-core CI
# machine an outcome commit took 1.2-1.8 ms with it against 3.4-5.1 ms without (the extra
# SET round trip included).
RELAXED_OUTCOME_COMMITS = True

Clock = Callable[[], datetime]
_TABLE = EmailMessage.__table__
_REMINDER = Reminder.__table__
# What the workers need of a row to build its message, and what the settling needs.
_COLUMNS = tuple(
    _TABLE.c[name]
    for name in (
        "id",
        "kind",
        "message_id",
        "sender",
        "to",
        "to_name",
        "cc",
        "subject",
        "headers",
        "created_at",
        "attempts",
        "error",
        "user_id",
        "body_text",
        "body_html",
    )
)


@dataclass
class SendReport:
    """What delivering did."""

    sent: int = 0
    retrying: int = 0  # failed for now, due again later
    failed: int = 0  # failed for good
    cancelled: int = 0  # re-checked before a retry: no longer applies
    unreachable: int = 0  # not tried: no session with the mail server could be opened
    server_error: str = ""  # why, when it could not be reached
    webhooks: int = 0  # webhook deliveries settled (delivered, retrying or failed)

    def __iadd__(self, other: SendReport) -> SendReport:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.cancelled += other.cancelled
        self.unreachable += other.unreachable
        self.server_error = other.server_error or self.server_error
        self.webhooks += other.webhooks
        return self

    @property
    def handled(self) -> int:
        """Return how many emails were taken and settled (sent, retrying, failed or
        cancelled)."""
        return self.sent + self.retrying + self.failed + self.cancelled

    @property
    def idle(self) -> bool:
        """Return True when nothing was due (or nothing could be done about it)."""
        return self.handled == 0 and self.webhooks == 0


def retry_delay(attempts: int, retry_minutes: int, rng: random.Random | None = None) -> timedelta:
    """Return the wait before the next attempt after ``attempts`` failed ones:
    ``retry_minutes``, then twice as long each time, at most 6 hours, with up to 20 %
    jitter so that many failed emails do not all come back at the same instant."""
    minutes = min(retry_minutes * 2 ** max(attempts - 1, 0), LONGEST_WAIT_MINUTES)
    jitter = (rng or random).uniform(0, 0.2) * minutes
    return timedelta(minutes=minutes + jitter)


# --- Taking due rows -----------------------------------------------------------------------


def _due(now: datetime, settings: Settings):
    stale = now - timedelta(seconds=settings.outbox_stale_seconds)
    return or_(
        (_TABLE.c.state == PENDING) & (_TABLE.c.next_attempt_at <= now),
        (_TABLE.c.state == SENDING) & (_TABLE.c.locked_at <= stale),
    )


def take(now: datetime, settings: Settings, limit: int) -> list[Any]:
    """Move up to ``limit`` due rows to ``sending``, count the attempt, commit; return them
    (plain rows with what building and settling need, oldest first).

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` while they are taken,
    so several senders never take the same row; on SQLite the transaction holds the write
    lock (``BEGIN IMMEDIATE``), which serialises senders.
    """
    query = select(_TABLE.c.id).where(_due(now, settings)).order_by(_TABLE.c.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if not ids:
        db.session.commit()
        return []
    rows = db.session.execute(
        update(_TABLE)
        .where(_TABLE.c.id.in_(ids), _due(now, settings))
        .values(state=SENDING, locked_at=now, attempts=_TABLE.c.attempts + 1)
        .returning(*_COLUMNS)
    ).all()
    db.session.commit()
    return sorted(rows, key=lambda row: row.id)


def _release(ids: Sequence[int]) -> None:
    """Put taken rows that were never handed to the server back as they were (not
    committed)."""
    if ids:
        db.session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(ids), _TABLE.c.state == SENDING)
            .values(state=PENDING, locked_at=None, attempts=_TABLE.c.attempts - 1)
        )


def _relock(ids: Iterable[int], now: datetime) -> None:
    """Keep rows this sender still works on from looking abandoned to other senders."""
    ids = sorted(ids)
    if ids:
        db.session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(ids), _TABLE.c.state == SENDING)
            .values(locked_at=now)
        )
        db.session.commit()


# --- Re-checking retries -------------------------------------------------------------------


def _tried_before(row) -> bool:
    # ``attempts`` counts the attempt being made; a failure's reason stays until the next
    # try, so an email put back by ``retry_failed`` (attempts reset) is still recognised.
    return row.attempts > 1 or bool(row.error)


def recheck(rows: Sequence[Any]) -> tuple[list[Any], dict[int, str]]:
    """Split taken rows into those to send and those to cancel (id -> reason).

    Only reminders, escalations and nudges that were tried before are re-checked (fresh
    ones were checked in the transaction that queued them): such an email is cancelled when
    its recipient's account is now inactive, or when none of the assignments its ledger rows
    tell about is still open (assigned or in progress) for the same unit. An email without
    ledger rows about assignments is sent as it is. Two queries, whatever the number.
    """
    candidates = {row.id: row for row in rows if row.kind in RECHECKED_KINDS and _tried_before(row)}
    if not candidates:
        return list(rows), {}
    ledger = db.session.execute(
        select(
            _REMINDER.c.email_id,
            _REMINDER.c.copy,
            _REMINDER.c.unit_id,
            _REMINDER.c.assignment_id,
            _REMINDER.c.recipient_user_id,
            Assignment.state,
            Assignment.unit_id.label("current_unit_id"),
        )
        .outerjoin(Assignment, Assignment.id == _REMINDER.c.assignment_id)
        .where(_REMINDER.c.email_id.in_(sorted(candidates)))
    ).all()
    recipients: dict[int, set[int]] = {
        i: {row.user_id} if row.user_id else set() for i, row in candidates.items()
    }
    told: dict[int, bool] = {}  # email id -> one of its assignments is still open
    for entry in ledger:
        if not entry.copy and entry.recipient_user_id:
            recipients[entry.email_id].add(entry.recipient_user_id)
        if entry.assignment_id is not None:
            still_open = entry.state in OPEN_STATES and entry.current_unit_id == entry.unit_id
            told[entry.email_id] = told.get(entry.email_id, False) or still_open
    everyone = sorted(set().union(*recipients.values()))
    inactive = set()
    if everyone:
        query = select(User.id).where(User.id.in_(everyone), User.active.is_(False))
        inactive = set(db.session.scalars(query))
    cancel: dict[int, str] = {}
    for email_id in candidates:
        if recipients[email_id] & inactive:
            cancel[email_id] = RECIPIENT_INACTIVE
        elif told.get(email_id) is False:
            cancel[email_id] = NO_LONGER_APPLIES
    return [row for row in rows if row.id not in cancel], cancel


def _cancel(reasons: dict[int, str]) -> None:
    """Mark emails (and their ledger rows) cancelled with their reasons (not committed)."""
    if not reasons:
        return
    params = [{"b_id": i, "b_reason": reason} for i, reason in sorted(reasons.items())]
    db.session.execute(
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("b_id"))
        .values(state=CANCELLED, error=bindparam("b_reason"), locked_at=None, next_attempt_at=None),
        params,
    )
    db.session.execute(
        update(_REMINDER)
        .where(_REMINDER.c.email_id == bindparam("b_id"), _REMINDER.c.state != CANCELLED)
        .values(state=CANCELLED, last_error=bindparam("b_reason")),
        params,
    )


# --- The connections -------------------------------------------------------------------------


SENT_OK, REFUSED, BROKEN, NO_SERVER = "sent", "refused", "broken", "no server"


@dataclass(frozen=True)
class Result:
    """A worker's answer about one row."""

    id: int
    attempts: int
    outcome: str  # SENT_OK, REFUSED (by the server), BROKEN (session failed), NO_SERVER
    text: str  # the server's reply, or the reason
    permanent: bool = False
    in_doubt: bool = False  # it held the in-doubt token, to give back once committed


@dataclass(frozen=True)
class _Settled:
    """A result its worker recorded (``report``), or failed to record (``error``)."""

    result: Result
    report: SendReport | None = None
    error: BaseException | None = None


@dataclass
class _Connections:
    """Worker threads, each with its own SMTP session kept open across messages (a failed
    session is reopened for the next message); they build and send messages and record
    each outcome as soon as the server has answered.

    A worker ends a message's data only while holding ``in_doubt``, a token of one, and
    gives it back once that message's outcome is committed: the server may hold at most one
    message this sender has not recorded. Each worker records in its own ORM session on
    ``bind`` (the caller's engine, or the connection the caller's session is bound to),
    under ``lock``, which the calling thread holds for its own statements while the
    workers run: one writer at a time, and never two sessions' transactions interleaved on
    one connection.
    """

    smtp: SmtpSettings
    size: int
    zone: ZoneInfo
    bind: Any  # an Engine or a Connection
    settings: Settings
    # The time outcomes are recorded at, kept current by the calling thread: the clock it
    # was given may read the app's configuration, which only that thread can reach.
    now: datetime
    lock: threading.Lock = field(default_factory=threading.Lock)
    jobs: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    results: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    threads: list[threading.Thread] = field(default_factory=list)
    in_doubt: threading.Semaphore = field(default_factory=threading.Semaphore)
    closing: bool = False
    busy: int = 0  # rows handed over whose result has not been collected

    def submit(self, row) -> None:
        if not self.threads:
            for number in range(self.size):
                thread = threading.Thread(target=self._work, name=f"smtp-{number}", daemon=True)
                thread.start()
                self.threads.append(thread)
        self.jobs.put(row)
        self.busy += 1

    def withdraw(self) -> list[int]:
        """Take back the rows no worker has started on; return their ids."""
        ids = []
        while True:
            try:
                row = self.jobs.get_nowait()
            except queue.Empty:
                break
            ids.append(row.id)
        self.busy -= len(ids)
        return ids

    def collect(self) -> list[_Settled]:
        """Wait for at least one recorded result; return it with every other one already
        back."""
        results = [self.results.get()]
        while True:
            try:
                results.append(self.results.get_nowait())
            except queue.Empty:
                break
        self.busy -= len(results)
        return results

    def close(self) -> None:
        """Stop the workers; one waiting to end a message drops it unsent (its row stays
        taken, to be taken again once stale), as its answer could no longer be recorded."""
        self.closing = True
        for _ in self.threads:
            self.in_doubt.release()  # wakes every waiting worker, which sees ``closing``
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()
        self.threads.clear()

    def _work(self) -> None:
        transport = Transport(self.smtp)
        session = Session(bind=self.bind, join_transaction_mode="create_savepoint")
        # On an engine (not a connection the caller works on), sent outcomes go through a
        # connection of the worker's own, with the driver alone.
        recorder = None
        try:
            while (row := self.jobs.get()) is not None:
                result = self._send(transport, row)
                if result is None:
                    break
                if recorder is None and RELAXED_OUTCOME_COMMITS and isinstance(self.bind, Engine):
                    with self.lock:
                        recorder = _DriverRecorder(self.bind)
                self.results.put(self._record(session, recorder, result))
        finally:
            transport.close()
            with self.lock:
                session.close()
                if recorder is not None:
                    recorder.close()

    def _record(
        self, session: Session, recorder: _DriverRecorder | None, result: Result
    ) -> _Settled:
        """Commit ``result``'s outcome, then give back the in-doubt token if it held it
        (on failure it keeps it: the calling thread stops the pass)."""
        try:
            with self.lock:
                if recorder is not None and result.outcome == SENT_OK:
                    recorder.sent(result, self.now)
                    report = SendReport(sent=1)
                else:
                    try:
                        report = _settle(session, [result], self.now, self.settings)
                    except BaseException:
                        session.rollback()
                        raise
        except Exception as error:
            return _Settled(result, error=error)
        if result.in_doubt:
            self.in_doubt.release()
        return _Settled(result, report)

    def _send(self, transport: Transport, row) -> Result | None:
        held = False

        def answer(outcome: str, text: str, permanent: bool = False) -> Result:
            return Result(row.id, row.attempts, outcome, text, permanent, held)

        def take_token() -> None:
            nonlocal held
            self.in_doubt.acquire()
            held = True
            if self.closing:
                raise _Dropped

        try:
            message = mail.build(row, self.zone)
        except Exception as error:  # a row that cannot be built: tell, go on
            return answer(BROKEN, mail.describe(error))
        if self.closing:
            return None
        try:
            if not transport.is_open:
                try:
                    transport.open()
                except mail.MailError as error:
                    return answer(NO_SERVER, str(error))
            reply = transport.send(message, before_end=take_token)
        except _Dropped:
            transport.abandon()  # without the final line, the server drops the message
            return None
        except mail.Refused as error:
            return answer(REFUSED, str(error), error.permanent)
        except mail.MailError as error:
            return answer(BROKEN, str(error))
        except Exception as error:  # a message that cannot be sent: tell, go on
            transport.close()
            return answer(BROKEN, mail.describe(error))
        return answer(SENT_OK, reply)


class _Dropped(Exception):
    """The sender is closing: the message being sent is dropped before its end."""


# --- Settling outcomes ---------------------------------------------------------------------


def _settle(
    session: Session, results: Sequence[Result], now: datetime, settings: Settings
) -> SendReport:
    """Record what the server answered for each result, in one transaction of ``session``
    committed now."""
    report = SendReport()
    if RELAXED_OUTCOME_COMMITS:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL synchronous_commit = off"))
        elif not session.in_transaction():  # options apply as a transaction begins
            session.connection(execution_options={RELAXED_DURABILITY: True})
    sent = [r for r in results if r.outcome == SENT_OK]
    if sent:
        _record_sent(session, sent, now)
        report.sent = len(sent)
    not_tried = [r for r in results if r.outcome == NO_SERVER]
    if not_tried:
        # The server was never reached for these: no attempt is counted, they stay due.
        _apply(
            session,
            [{"b_id": r.id, "b_error": r.text[:2000]} for r in not_tried],
            {"state": PENDING, "locked_at": None, "attempts": _TABLE.c.attempts - 1,
             "error": bindparam("b_error")},
        )  # fmt: skip
        report.unreachable = len(not_tried)
        report.server_error = not_tried[-1].text
    failures = [r for r in results if r.outcome in (REFUSED, BROKEN)]
    final = [r for r in failures if r.permanent or r.attempts >= settings.reminder_max_attempts]
    later = [r for r in failures if r not in final]
    if final:
        _apply(
            session,
            [_failure(r) for r in final],
            {"state": FAILED, "error": bindparam("b_error"), "reply": bindparam("b_reply"),
             "next_attempt_at": None, "locked_at": None},
            {"state": "failed", "last_error": bindparam("b_error")},
        )  # fmt: skip
        report.failed = len(final)
    if later:
        _apply(
            session,
            [
                _failure(r)
                | {"b_next": now + retry_delay(r.attempts, settings.reminder_retry_minutes)}
                for r in later
            ],
            {"state": PENDING, "error": bindparam("b_error"), "reply": bindparam("b_reply"),
             "next_attempt_at": bindparam("b_next"), "locked_at": None},
        )  # fmt: skip
        report.retrying = len(later)
    session.commit()
    return report


# The outcome of nearly every message, written on the driver directly: through SQLAlchemy's
# statement building and caching it took four times as long, and the next message's end
# waits for this commit (see the module). ``:name`` marks a parameter; see ``_driver_sql``.
_SENT_EMAIL = (
    f"UPDATE {_TABLE.name} SET state = :sent, sent_at = :now, reply = :reply, error = '', "
    "locked_at = NULL WHERE id = :id"
)
_SENT_LEDGER = (
    f"UPDATE {_REMINDER.name} SET state = :sent, sent_at = :now, last_error = '' "
    "WHERE email_id = :id AND state <> :cancelled"
)
_SENT_BOTH = (  # PostgreSQL: one statement (a data-modifying CTE)
    f"WITH settled AS ({_SENT_EMAIL} RETURNING id) "
    + _SENT_LEDGER.replace("email_id = :id", "email_id IN (SELECT id FROM settled)")
)


@cache
def _driver_sql(statement: str, dialect_name: str) -> tuple[str, tuple[str, ...]]:
    """Return ``statement`` in the driver's parameter style and its parameters' names, in
    order (the two drivers take ``?`` and ``%s``)."""
    names = tuple(re.findall(r":(\w+)", statement))
    marker = "%s" if dialect_name == "postgresql" else "?"
    return re.sub(r":\w+", marker, statement), names


def _sent_statements(
    dialect: Dialect, results: Sequence[Result], now: datetime
) -> list[tuple[str, list[tuple]]]:
    """Return the driver statements that mark ``results``' emails and their ledger rows
    sent, each with one row of parameters per result."""
    stamp = _TABLE.c.sent_at.type.dialect_impl(dialect).bind_processor(dialect)
    values = {"sent": SENT, "cancelled": CANCELLED, "now": stamp(now) if stamp else now}
    statements = (_SENT_BOTH,) if dialect.name == "postgresql" else (_SENT_EMAIL, _SENT_LEDGER)
    found = []
    for statement in statements:
        sql, names = _driver_sql(statement, dialect.name)
        rows = [
            tuple((values | {"id": r.id, "reply": r.text[:2000]})[name] for name in names)
            for r in results
        ]
        found.append((sql, rows))
    return found


def _record_sent(session: Session, results: Sequence[Result], now: datetime) -> None:
    """Mark ``results``' emails and their ledger rows sent (not committed)."""
    connection = session.connection()
    for sql, rows in _sent_statements(connection.dialect, results, now):
        if len(rows) == 1:
            connection.exec_driver_sql(sql, rows[0])
        else:
            connection.exec_driver_sql(sql, rows)


class _DriverRecorder:
    """A worker's own database connection, on which it commits a sent message's outcome with
    the driver alone: the commit lies inside the in-doubt window, and through the ORM
    session it took three times as long. Durability is relaxed for this connection's life
    (see ``RELAXED_OUTCOME_COMMITS``) and restored when it goes back to the pool."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.postgresql = self.dialect.name == "postgresql"
        self.connection = engine.raw_connection()
        cursor = self.connection.cursor()
        if self.postgresql:
            cursor.execute("SET synchronous_commit = off")
            self.connection.commit()
        else:
            # The app's ``begin`` hook reads this to set the level again when it needs to.
            cursor.execute("PRAGMA synchronous=NORMAL")
            self.connection.info["synchronous"] = "NORMAL"

    def sent(self, result: Result, now: datetime) -> None:
        """Commit ``result`` (sent) at ``now``; roll back and raise on failure."""
        cursor = self.connection.cursor()
        try:
            if not self.postgresql:  # the app's SQLite connections leave BEGIN to us
                cursor.execute("BEGIN IMMEDIATE")
            for sql, rows in _sent_statements(self.dialect, [result], now):
                cursor.execute(sql, rows[0])
            if self.postgresql:
                self.connection.commit()
            else:
                cursor.execute("COMMIT")
        except BaseException:
            if self.postgresql:
                self.connection.rollback()
            elif self.connection.dbapi_connection.in_transaction:
                cursor.execute("ROLLBACK")
            raise

    def close(self) -> None:
        try:
            if self.postgresql:
                self.connection.cursor().execute("RESET synchronous_commit")
                self.connection.commit()
        finally:
            self.connection.close()


def _apply(session: Session, params: list[dict], email: dict, ledger: dict | None = None) -> None:
    """Update the emails of ``params`` (``b_id``...) and, with ``ledger``, their ledger rows
    (those not cancelled) alike; on PostgreSQL as one statement per email (a data-modifying
    CTE), the whole list sent at once (psycopg pipelines an executemany)."""
    emails = update(_TABLE).where(_TABLE.c.id == bindparam("b_id")).values(**email)
    if ledger is None:
        session.execute(emails, params)
        return
    rows = update(_REMINDER).where(_REMINDER.c.state != CANCELLED).values(**ledger)
    if session.get_bind().dialect.name == "postgresql":
        settled = emails.returning(_TABLE.c.id).cte("settled")
        session.execute(rows.where(_REMINDER.c.email_id.in_(select(settled.c.id))), params)
    else:
        session.execute(emails, params)
        session.execute(rows.where(_REMINDER.c.email_id == bindparam("b_id")), params)


def _failure(result: Result) -> dict:
    reply = result.text[:2000] if result.outcome == REFUSED else ""
    return {"b_id": result.id, "b_error": result.text[:2000], "b_reply": reply}


# --- Delivering ----------------------------------------------------------------------------


def deliver(
    clock: Clock,
    settings: Settings,
    smtp: SmtpSettings,
    *,
    limit: int | None = None,
    stop: threading.Event | None = None,
    beat: Callable[[], None] | None = None,
) -> SendReport:
    """Send every due email (at most ``limit``) and return what happened; ``clock`` tells
    the time of each transition.

    Stops early when ``stop`` is set (the messages already with the server are finished and
    recorded, the others put back untouched) or when the mail server cannot be reached
    (the emails not tried stay due, without an attempt counted). ``beat`` is called before
    each batch.
    """
    report = SendReport()
    connections = _Connections(
        smtp, settings.mail_connections, settings.zone, db.session.get_bind(), settings, clock()
    )
    try:
        while limit is None or report.handled < limit:
            if stop is not None and stop.is_set():
                break
            if beat is not None:
                beat()
            size = (
                settings.outbox_batch
                if limit is None
                else min(settings.outbox_batch, limit - report.handled)
            )
            batch = take(clock(), settings, size)
            if not batch:
                break
            batch, cancel = recheck(batch)
            _cancel(cancel)
            db.session.commit()  # the workers write next: nothing of ours stays open
            report.cancelled += len(cancel)
            report += _send(batch, connections, clock, settings, stop)
            if report.unreachable:
                break
    finally:
        connections.close()
    return report


def _send(
    batch: Sequence[Any],
    connections: _Connections,
    clock: Clock,
    settings: Settings,
    stop: threading.Event | None,
) -> SendReport:
    """Hand a taken batch to the connections, which record each answer as it comes back;
    put back what they never started on."""
    report = SendReport()
    waiting = deque(batch)
    unsettled = {row.id for row in batch}
    relock_every = settings.outbox_stale_seconds / 3
    locked = time.monotonic()
    ahead = 2 * connections.size  # a worker begins its next message during a commit
    while True:
        halted = report.unreachable or (stop is not None and stop.is_set())
        if halted:
            withdrawn = set(connections.withdraw())
            waiting.extend(row for row in batch if row.id in withdrawn)
        connections.now = clock()
        while waiting and not halted and connections.busy < ahead:
            connections.submit(waiting.popleft())
        if not connections.busy:
            break
        for done in connections.collect():
            if done.error is not None:
                raise done.error
            report += done.report
            unsettled.discard(done.result.id)
        if time.monotonic() - locked > relock_every:
            with connections.lock:
                _relock(unsettled, clock())
            locked = time.monotonic()
    if waiting:
        _release([row.id for row in waiting])
        db.session.commit()
    return report


# --- The heartbeat and one pass of the loop --------------------------------------------------

_last_beat: dict[str, float] = {}  # heartbeat name -> monotonic time of this process's last write


def beat(now: datetime, *, name: str = HEARTBEAT, every: float = BEAT_EVERY_SECONDS) -> None:
    """Record that this process's sender is alive (one upsert, committed), at most once
    every ``every`` seconds."""
    moment = time.monotonic()
    if moment - _last_beat.get(name, float("-inf")) < every:
        return
    _last_beat[name] = moment
    values = {"name": name, "beat_at": now, "detail": f"{socket.gethostname()} {os.getpid()}"}
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(Heartbeat).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Heartbeat.name],
        set_={"beat_at": statement.excluded.beat_at, "detail": statement.excluded.detail},
    )
    db.session.execute(statement)
    db.session.commit()


def run_pass(
    clock: Clock,
    settings: Settings,
    smtp: SmtpSettings,
    *,
    stop: threading.Event | None = None,
    limit: int | None = None,
) -> SendReport:
    """One pass of a sender's loop: beat, then deliver what is due (beating between
    batches); return what happened."""
    return deliver(clock, settings, smtp, limit=limit, stop=stop, beat=lambda: beat(clock()))
