"""Time the reminder sweep over N units x M tasks: planning (dry run) and a real sweep that
sends to a local SMTP server. Prints the figures; asserts nothing."""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from flask_migrate import upgrade

from tracker.app import create_app
from tracker.benchmarks.common import build_programme, counting_queries, empty_database, timed


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=3500)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    parser.add_argument("--today", default="2024-07-01")
    parser.add_argument(
        "--plan-only", action="store_true", help="time planning (a dry run) without sending"
    )
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1")
    smtp.start()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
         "TODAY": args.today, "SECRET_KEY": os.urandom(16).hex()}
    )  # fmt: skip
    from tracker.services.reminders.sweep import run_sweep
    from tracker.settings import Settings

    settings = Settings.from_config(app.config, app.instance_path)

    today = date.fromisoformat(args.today)
    now = datetime.combine(today, time(7, 30), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)
    results: dict = {}
    with app.app_context():
        upgrade()
        empty_database()
        with timed("build data", results):
            sizes = build_programme(args.units, args.tasks, today)
        with timed("plan (dry run)", results), counting_queries(results, "plan queries"):
            plan = run_sweep(now, settings, dry_run=True)
        report = again = None
        if not args.plan_only:
            with timed("sweep (claim, compose, send)", results):
                report = run_sweep(now, settings)
            with timed("second sweep (nothing left)", results):
                again = run_sweep(now, settings)
    smtp.stop()
    print(f"database: {url.split('@')[-1]}")
    print(f"data: {sizes['units']:,} units x {sizes['tasks']:,} tasks = "
          f"{sizes['assignments']:,} assignments")  # fmt: skip
    print(f"planned notices: {plan.planned:,} to {len(plan.plan):,} recipients; "
          f"unreachable: {plan.unreachable:,}")  # fmt: skip
    if report is not None:
        print(f"sent: {report.sent:,} emails ({sink.count:,} received), "
              f"failed: {report.failed:,}; second sweep sent {again.sent:,}")  # fmt: skip
    for label, value in results.items():
        unit = "" if "queries" in label else " s"
        print(f"  {label:<32} {value:>10.2f}{unit}" if unit else f"  {label:<32} {value:>10}")


if __name__ == "__main__":
    main()
