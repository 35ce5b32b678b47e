"""Time the report pages over N units x M tasks, as of today (the live rows) and as of a
past day (rebuilt from the history), through HTTP as a coordinator. Prints the timings and
each page's number of queries; asserts nothing."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta

from flask_migrate import upgrade
from sqlalchemy import select

from tracker.app import create_app
from tracker.benchmarks.common import build_programme, counting_queries, empty_database, timed
from tracker.extensions import db
from tracker.models import Task, User

PAGES = (
    ("programme", "/reports/"),
    ("task", "/reports/tasks/{task}"),
    ("unit scorecards", "/reports/units"),
    ("matrix (100 units x 20 tasks)", "/reports/matrix"),
    ("narrative", "/reports/narrative"),
    ("programme XLSX", "/reports/?format=xlsx"),
    ("task CSV", "/reports/tasks/{task}?format=csv"),
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=3500)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    parser.add_argument("--today", default="2024-07-01")
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TODAY": args.today, "SECRET_KEY": os.urandom(16).hex(),
         "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    )  # fmt: skip
    today = date.fromisoformat(args.today)
    results: dict = {}
    with app.app_context():
        upgrade()
        empty_database()
        with timed("build data", results):
            sizes = build_programme(args.units, args.tasks, today)
        task_id = db.session.scalar(select(Task.id).order_by(Task.id))
        token = db.session.scalar(select(User.session_token).where(User.role == "coordinator"))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    print(f"database: {url.split('@')[-1]}")
    print(f"data: {sizes['units']:,} units x {sizes['tasks']:,} tasks = "
          f"{sizes['assignments']:,} assignments (two revisions each)")  # fmt: skip
    for label, built in results.items():
        print(f"  {label:<40} {built:>8.2f} s")
    past = (today - timedelta(days=45)).strftime("%d/%m/%Y")
    for when, as_of in (("today", ""), ("as of " + past, past)):
        print(when)
        for name, path in PAGES:
            target = path.format(task=task_id)
            target += ("&" if "?" in target else "?") + f"as_of={as_of}" if as_of else ""
            counted: dict = {}
            with app.app_context(), counting_queries(counted, "queries"):
                start = time.perf_counter()
                response = client.get(target)
                seconds = time.perf_counter() - start
            status = "" if response.status_code == 200 else f"  HTTP {response.status_code}!"
            print(f"  {name:<40} {seconds:>8.2f} s {counted['queries']:>4} queries{status}")


if __name__ == "__main__":
    main()
