"""Time the reminder sweep end to end beside a floor, in one run, and print both.

The world: N units with one active focal point each, M tasks owned in turn by a few
coordinators, every task assigned to every unit, deadlines spread evenly over +-60 days
around today, 70 % of assignments open and the rest completed (default 500 x 40 = 20,000
assignments).

The floor: raw SQL of the due set (open assignments due within ten days or overdue, with
their focal point) and as many multipart (text + HTML) messages as the sweep queues, built
with the standard library and sent over ONE ``smtplib`` connection.

The sweep, end to end: ``run_sweep`` (plan, claim, compose, queue) then the outbox's sender
until the outbox is empty.

Both send to the same SMTP sink, an aiosmtpd server in a separate process (so it does not
share this process's interpreter lock) that waits ``--smtp-delay-ms`` per message (default 5
ms, a relay on the same network; a third before each answer to MAIL, RCPT and the end of the
data, or all after the data with ``--smtp-delay-at-end``) and counts what it receives.
Prints the figures and whether the issue's targets hold; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import smtplib
import socket
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from email.message import EmailMessage as MimeMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

from flask_migrate import upgrade
from sqlalchemy import Date, func, select, text

from tracker.app import create_app
from tracker.benchmarks.common import (
    HISTORY,
    add_ledger_history,
    analyze,
    build_programme,
    counting_queries,
    empty_database,
    timed,
)
from tracker.extensions import db

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TARGET_SECONDS = {(500, 40): 4.0, (3500, 300): 60.0}  # end to end, per world
TARGET_RATIO = 1.5  # our sending against the floor's, on the 20k world


# ---------------------------------------------------------------- the SMTP sink (a process)


def _sink(port: int, delay: float, at_end: bool, received, ready, stop) -> None:
    """Run an aiosmtpd server on ``port`` until ``stop`` is set; count each message in
    ``received``. Each message takes ``delay`` seconds (concurrent sessions overlap, as a
    relay's do): a third before each answer to MAIL, RCPT and the end of the data (a
    relay's round trips and checks), or all of it after the data with ``at_end``."""
    from aiosmtpd.controller import Controller

    step = delay if at_end else delay / 3

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            if step and not at_end:
                await asyncio.sleep(step)
            envelope.mail_from = address
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if step and not at_end:
                await asyncio.sleep(step)
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if step:
                await asyncio.sleep(step)
            with received.get_lock():
                received.value += 1
            return "250 2.0.0 OK queued"

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        server_hostname="bench.sink",
        data_size_limit=None,
        ready_timeout=30,
    )
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class Sink:
    """The SMTP sink process: ``start``, read ``received``, ``stop``."""

    def __init__(self, delay_ms: float, at_end: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._received = context.Value("q", 0)
        self._ready = context.Event()
        self._stop = context.Event()
        self._process = context.Process(
            target=_sink,
            args=(self.port, delay_ms / 1000, at_end, self._received, self._ready, self._stop),
            daemon=True,
        )

    def start(self) -> Sink:
        self._process.start()
        if not self._ready.wait(60):
            raise RuntimeError("the SMTP sink did not start")
        return self

    @property
    def received(self) -> int:
        return self._received.value

    def wait_for(self, count: int, timeout: float = 30.0) -> int:
        """Wait until ``count`` messages arrived (or ``timeout``); return how many did."""
        deadline = time.monotonic() + timeout
        while self.received < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received

    def stop(self) -> None:
        self._stop.set()
        self._process.join(10)


# ---------------------------------------------------------------- the floor

DUE_SET = text(
    """
    SELECT u.email, u.name, t.title, a.due_date, a.state
    FROM assignment a
    JOIN task t ON t.id = a.task_id
    JOIN "user" u ON u.unit_id = a.unit_id AND u.role = 'focal_point' AND u.active
    WHERE a.state IN ('assigned', 'in_progress') AND t.closed_at IS NULL
      AND a.due_date <= :horizon
    ORDER BY u.email, a.due_date, t.id
    """
).columns(due_date=Date)  # SQLite returns text otherwise


def floor(count: int, today: date, port: int) -> dict:
    """Select the due set with raw SQL, build ``count`` multipart messages from it (one per
    focal point, taken again in turn when there are fewer focal points than ``count``) and
    send them over one ``smtplib`` connection; return the timings."""
    results: dict = {}
    start = time.perf_counter()
    with db.engine.connect() as conn:
        rows = conn.execute(DUE_SET, {"horizon": today + timedelta(days=10)}).all()
    results["query"] = time.perf_counter() - start
    items: dict[tuple[str, str], list] = defaultdict(list)
    for email, name, title, due, state in rows:
        items[(email, name)].append((title, due, state))
    people = list(items.items())
    sender = "tracker@example.org"
    built = time.perf_counter()
    messages = []
    for i in range(count if people else 0):
        (email, name), work = people[i % len(people)]
        lines = [f"- {title}: hạn {due:%d/%m/%Y} ({state})" for title, due, state in work]
        cells = "".join(
            f"<tr><td>{title}</td><td>{due:%d/%m/%Y}</td><td>{state}</td></tr>"
            for title, due, state in work
        )
        message = MimeMessage(policy=SMTP_POLICY)
        message["Subject"] = f"Nhắc việc: {len(work)} nhiệm vụ đến hạn hoặc quá hạn"
        message["From"] = f"Hệ thống theo dõi <{sender}>"
        message["To"] = f"{name} <{email}>"
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain="example.org")
        message.set_content(f"Kính gửi {name},\n\n" + "\n".join(lines) + "\n")
        message.add_alternative(f"<p>Kính gửi {name},</p><table>{cells}</table>", subtype="html")
        messages.append(message)
    sent = time.perf_counter()
    results["build"] = sent - built
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for message in messages:
            smtp.send_message(message)
    results["send"] = time.perf_counter() - sent
    results["total"] = time.perf_counter() - start
    results["messages"] = len(messages)
    results["due rows"] = len(rows)
    return results


# ---------------------------------------------------------------- the sweep


def _outbox_counts() -> dict[str, int]:
    from tracker.models import EmailMessage

    db.session.rollback()
    rows = db.session.execute(
        select(EmailMessage.state, func.count()).group_by(EmailMessage.state)
    ).all()
    db.session.rollback()
    return {state: n for state, n in rows}


def _running_clock(start: datetime):
    """Return a clock that reads ``start`` now and runs on from it."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def _deliver_all(start: datetime, settings, smtp) -> int:
    """Run the outbox's sender until a pass finds nothing due; return the passes."""
    from tracker.services.outbox import sender

    clock = _running_clock(start)
    passes = 0
    while passes < 50:
        passes += 1
        report = sender.deliver(clock, settings, smtp)
        if not (report.sent or report.retrying or report.failed):
            break
    return passes


def _send_until_swept(app, clock, settings, smtp, swept) -> None:
    """Deliver the outbox pass after pass, as ``tracker send`` does (looking again after
    OUTBOX_POLL_SECONDS when a pass finds nothing), until ``swept`` is set and a pass finds
    nothing."""
    from tracker.services.outbox import sender

    with app.app_context():
        try:
            while True:
                over = swept.is_set()
                if sender.deliver(clock, settings, smtp).idle:
                    if over:
                        return
                    time.sleep(settings.outbox_poll_seconds)
        finally:
            db.session.remove()


def _sender_process(config: dict, connections: int, start: str, ready, swept, failed) -> None:
    """A sender in its own process (as ``tracker send`` runs beside the scheduler): the same
    app and settings as the bench's, delivering until ``swept`` and the outbox is empty."""
    from tracker.mail import SmtpSettings
    from tracker.settings import Settings

    app = create_app(config)
    settings = dataclasses.replace(
        Settings.from_config(app.config, app.instance_path), mail_connections=connections
    )
    smtp = SmtpSettings.from_config(app.config)
    clock = _running_clock(datetime.fromisoformat(start))
    with app.app_context():
        db.session.execute(select(1))  # connected before the clock starts
        db.session.remove()
    ready.set()
    try:
        _send_until_swept(app, clock, settings, smtp, swept)
    except BaseException:
        failed.set()
        raise


def _sweep_while_sending(
    app, now: datetime, settings, smtp, *, process: bool
) -> tuple[list[BaseException], float]:
    """Run the sweep with a sender alongside, which delivers each batch the sweep commits
    and stops once the sweep is over and the outbox empty: a thread of this process, as
    ``tracker scheduler`` runs it, or with ``process`` a process of its own, as
    ``tracker send`` beside the scheduler. Return what the sender raised, if anything, and
    the monotonic time the sweep began (the sender process was started and connected
    before)."""
    from tracker.services.reminders.sweep import run_sweep

    errors: list[BaseException] = []
    if process:
        context = multiprocessing.get_context("spawn")
        ready, swept, failed = context.Event(), context.Event(), context.Event()
        config = {key: app.config[key] for key in _CHILD_CONFIG}
        worker = context.Process(
            target=_sender_process,
            args=(config, settings.mail_connections, now.isoformat(), ready, swept, failed),
        )
        worker.start()
        if not ready.wait(120):
            raise RuntimeError("the sender process did not start")
    else:
        swept = threading.Event()
        clock = _running_clock(now)

        def send() -> None:
            try:
                _send_until_swept(app, clock, settings, smtp, swept)
            except BaseException as error:
                errors.append(error)

        worker = threading.Thread(target=send, name="sender")
        worker.start()
    began = time.monotonic()
    try:
        run_sweep(now, settings)
        db.session.rollback()
    finally:
        swept.set()
        worker.join()
    if process and failed.is_set():
        errors.append(RuntimeError("the sender process failed (its traceback is above)"))
    return errors, began


# What the sender process's app is made of: the bench's own app's configuration.
_CHILD_CONFIG = ("SQLALCHEMY_DATABASE_URI", "MAIL_SERVER", "MAIL_PORT", "TODAY", "SECRET_KEY")


def _reset_outbox() -> None:
    """Forget every queued email and ledger row of earlier runs (the world and the ledger's
    history stay)."""
    from tracker.models import EmailMessage, Heartbeat, Notification, Reminder, SweepRun

    with db.engine.begin() as conn:
        conn.execute(Reminder.__table__.delete().where(Reminder.recipient != HISTORY))
        for model in (Notification, EmailMessage, SweepRun, Heartbeat):
            conn.execute(model.__table__.delete())


def _has_history() -> bool:
    from tracker.models import Reminder

    found = db.session.execute(select(Reminder.id).where(Reminder.recipient == HISTORY).limit(1))
    result = found.first() is not None
    db.session.rollback()
    return result


def _world_matches(units: int, tasks: int) -> bool:
    from tracker.models import Assignment, Task, Unit

    counts = db.session.execute(
        select(
            select(func.count()).select_from(Unit).scalar_subquery(),
            select(func.count()).select_from(Task).scalar_subquery(),
            select(func.count()).select_from(Assignment).scalar_subquery(),
        )
    ).one()
    db.session.rollback()
    return tuple(counts) == (units, tasks, units * tasks)


# ---------------------------------------------------------------- the run


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--coordinators", type=int, default=10, help="task owners (default 10)")
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    parser.add_argument("--today", default="2024-07-01", help="a working day (YYYY-MM-DD)")
    parser.add_argument(
        "--smtp-delay-ms",
        type=float,
        default=5.0,
        help="the sink's wait per message, in ms (default 5: a relay on the same network), "
        "a third before each answer to MAIL, RCPT and the end of the data",
    )
    parser.add_argument(
        "--smtp-delay-at-end",
        action="store_true",
        help="the sink waits all of it after the data instead: the worst case for a sender "
        "that ends one message at a time (see tracker.services.outbox.sender)",
    )
    parser.add_argument(
        "--connections", type=int, help="SMTP connections of our sender (default: config)"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the database's world when it has this size (the outbox and ledger are "
        "emptied); build it otherwise",
    )
    parser.add_argument(
        "--ledger-history",
        action="store_true",
        help="fill the ledger as if a sweep had run every working day until yesterday (an "
        "ordinary day's sweep: only today's new stages are planned)",
    )
    parser.add_argument(
        "--plan-only", action="store_true", help="time planning (a dry run) only, no floor"
    )
    parser.add_argument(
        "--overlap",
        nargs="?",
        const="thread",
        choices=("thread", "process"),
        help="run the sender alongside the sweep and time the two together (until the sink "
        "has every email): in a thread, as `tracker scheduler` does (the default), or in a "
        "process, as `tracker send` beside the scheduler; the sender alone is not timed",
    )
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    sink = Sink(args.smtp_delay_ms, args.smtp_delay_at_end).start()
    try:
        figures = _run(args, url, sink)
    finally:
        sink.stop()
    _print(args, url, figures)


@dataclasses.dataclass
class Figures:
    """What one run measured."""

    backend: str = ""
    seconds: dict = dataclasses.field(default_factory=dict)  # by phase
    queries: dict = dataclasses.field(default_factory=dict)  # by phase
    planned: int = 0  # notices
    planned_emails: int = 0
    unreachable: int = 0
    queued: int = 0
    floor: dict = dataclasses.field(default_factory=dict)
    floor_received: int = 0
    received: int = 0  # of our emails, at the sink
    outbox: dict = dataclasses.field(default_factory=dict)
    connections: int = 1
    notes: list = dataclasses.field(default_factory=list)


PLAN, SWEEP, FLOOR, SEND = "plan (dry run)", "sweep (plan, claim, compose, queue)", "floor", "send"
TOGETHER = "sweep with the sender alongside"


def _run(args, url: str, sink: Sink) -> Figures:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink.port,
         "TODAY": args.today, "SECRET_KEY": os.urandom(16).hex()}
    )  # fmt: skip
    from tracker.mail import SmtpSettings
    from tracker.services.reminders.sweep import run_sweep
    from tracker.settings import Settings

    settings = Settings.from_config(app.config, app.instance_path)
    if args.connections:
        settings = dataclasses.replace(settings, mail_connections=args.connections)
    smtp = SmtpSettings.from_config(app.config)
    today = date.fromisoformat(args.today)
    now = datetime.combine(today, clock_time(7, 30), tzinfo=ZONE).astimezone(UTC)
    fig = Figures(connections=settings.mail_connections)
    t, q = fig.seconds, fig.queries
    with app.app_context():
        upgrade()
        fig.backend = db.engine.dialect.name
        if args.keep and _world_matches(args.units, args.tasks):
            _reset_outbox()
            fig.notes.append("world reused (--keep)")
        else:
            empty_database()
            with timed("build (and ANALYZE)", t):
                build_programme(args.units, args.tasks, today, coordinators=args.coordinators)
                analyze()
        if args.ledger_history and not _has_history():
            with timed("ledger history", t):
                fig.notes.append(f"ledger history: {add_ledger_history(today):,} rows")
                analyze()
        elif not args.ledger_history and _has_history():
            fig.notes.append("the ledger's history of an earlier run is kept (--keep)")
        with timed(PLAN, t), counting_queries(q, PLAN):
            plan = run_sweep(now, settings, dry_run=True)
        db.session.rollback()
        fig.planned, fig.planned_emails = plan.planned, len(plan.plan)
        fig.unreachable = plan.unreachable
        if args.plan_only:
            return fig
        if args.overlap:
            before = sink.received
            errors, began = _sweep_while_sending(
                app, now, settings, smtp, process=args.overlap == "process"
            )
            fig.queued = sum(_outbox_counts().values())
            fig.received = sink.wait_for(before + fig.queued) - before
            t[TOGETHER] = time.monotonic() - began
            fig.notes.extend(f"the sender failed: {error!r}" for error in errors)
            fig.outbox = _outbox_counts()
            before = sink.received
            with timed(FLOOR, t):
                fig.floor = floor(fig.queued or fig.planned_emails, today, sink.port)
            fig.floor_received = sink.wait_for(before + fig.floor["messages"]) - before
            return fig
        try:
            with timed(SWEEP, t), counting_queries(q, SWEEP):
                run_sweep(now, settings)
            db.session.rollback()
        except Exception as error:  # a script: say what broke and carry on
            db.session.rollback()
            fig.notes.append(f"the sweep failed: {type(error).__name__}: {str(error)[:300]}")
            traceback.print_exc()
        fig.queued = sum(_outbox_counts().values())
        # the floor sends as many messages as the sweep queued (as it planned, if it failed)
        before = sink.received
        with timed(FLOOR, t):
            fig.floor = floor(fig.queued or fig.planned_emails, today, sink.port)
        fig.floor_received = sink.wait_for(before + fig.floor["messages"]) - before
        before = sink.received
        try:
            with timed(SEND, t), counting_queries(q, SEND):
                passes = _deliver_all(now, settings, smtp)
            fig.notes.append(f"sender passes until the outbox was empty: {passes}")
            fig.notes.append(
                "the send phase's queries leave out each worker's driver-level commit of a "
                "sent message (two or three statements each)"
            )
        except Exception as error:
            db.session.rollback()
            fig.notes.append(f"the sender failed: {type(error).__name__}: {str(error)[:300]}")
            traceback.print_exc()
        fig.received = sink.wait_for(before + fig.queued, timeout=5) - before
        fig.outbox = _outbox_counts()
    return fig


def _print(args, url: str, fig: Figures) -> None:
    t, q = fig.seconds, fig.queries
    print()
    print(f"database: {fig.backend} ({url.split('@')[-1]})")
    print(f"world: {args.units:,} units x {args.tasks:,} tasks = "
          f"{args.units * args.tasks:,} assignments, {args.coordinators} coordinators; "
          f"today {args.today}")  # fmt: skip
    where = "after the data" if args.smtp_delay_at_end else "over MAIL, RCPT and the data"
    print(f"smtp sink: a separate process, {args.smtp_delay_ms:g} ms per message ({where}); "
          f"our sender: {fig.connections} connection(s)")  # fmt: skip
    print(f"plan: {fig.planned:,} notices in {fig.planned_emails:,} emails "
          f"(weekly summaries aside); unreachable {fig.unreachable:,}")  # fmt: skip
    if fig.outbox:
        print(f"queued: {fig.queued:,}; outbox after sending: {fig.outbox}")
    print()
    print(f"  {'phase':<40} {'seconds':>9} {'queries':>9}")
    for label, seconds in t.items():
        print(f"  {label:<40} {seconds:>9.2f} {q.get(label, ''):>9}")
    f = fig.floor
    if not f:
        _notes(fig)
        return
    print(f"    floor: query {f['query']:.2f} s ({f['due rows']:,} rows), build "
          f"{f['build']:.2f} s, send {f['send']:.2f} s; {f['messages']:,} messages, "
          f"{fig.floor_received:,} received")  # fmt: skip
    end_to_end = t.get(TOGETHER) or t.get(SWEEP, 0.0) + t.get(SEND, 0.0)
    floor_rate = f["messages"] / f["total"] if f["total"] else 0.0
    ours_rate = fig.received / end_to_end if end_to_end else 0.0
    send_rate = fig.received / t[SEND] if t.get(SEND) else 0.0
    print()
    print(f"  floor                      {floor_rate:>8.0f} emails/s "
          f"(query + build + send over one connection)")  # fmt: skip
    print(f"  ours, end to end           {ours_rate:>8.0f} emails/s ({fig.received:,} "
          f"received in {end_to_end:.2f} s: sweep + sender"
          f"{', together' if TOGETHER in t else ''})")  # fmt: skip
    if send_rate:
        print(f"  ours, sender alone         {send_rate:>8.0f} emails/s ({fig.received:,} "
              f"received in {t[SEND]:.2f} s: the sending phase only)")  # fmt: skip
    if floor_rate:
        print(f"  ratio end to end / floor   {ours_rate / floor_rate:>8.2f}x")
        if send_rate:
            print(f"  ratio sender / floor       {send_rate / floor_rate:>8.2f}x")
    print()
    world = (args.units, args.tasks)
    target = TARGET_SECONDS.get(world)
    if target is not None:
        on_pg = world != (500, 40)
        done = fig.received == fig.queued > 0
        holds = done and end_to_end <= target and (not on_pg or fig.backend == "postgresql")
        print(f"target: every queued email received and end to end <= {target:g} s"
              f"{' on PostgreSQL' if on_pg else ''}: {'HOLDS' if holds else 'MISSED'} "
              f"({end_to_end:.2f} s)")  # fmt: skip
        if not on_pg and floor_rate and send_rate:
            # The ratio is about sending: the sender's phase alone (take, build, send,
            # record each outcome) against the floor's query + build + send of as many messages.
            ratio = send_rate / floor_rate
            print(f"target: sending (the sender alone) >= {TARGET_RATIO:g}x the floor's rate: "
                  f"{'HOLDS' if ratio >= TARGET_RATIO else 'MISSED'} ({ratio:.2f}x)")  # fmt: skip
    _notes(fig)


def _notes(fig: Figures) -> None:
    for note in fig.notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
