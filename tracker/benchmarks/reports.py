"""Time the pages coordinators read most, through HTTP, on a small and a large world.

The worlds (default 500 x 40 = 20,000 and 3,500 x 300 = 1,050,000 assignments, see
``common.build_programme``) are kept in databases named ``bench_reports_<units>x<tasks>``
on a PostgreSQL server (``--server``) or in SQLite files under ``instance/bench/``, and
reused when they hold a world of that size (``--rebuild`` builds them afresh). Each run
migrates them and runs the scheduler's midnight job, as production would have.

The app is served in this process (Werkzeug, a thread) and read with httpx, signed in as
a coordinator (and, for the pages marked so, as a unit's focal point). Each page is
requested twice to warm it, then ``--samples`` times, the worlds taking turns request by
request (the ratio is then taken at one machine speed); the table shows p50 and p95 in
milliseconds, the statements the request ran (any engine), the large world's p50 over the
small one's, and PASS/MISS beside each of the issue's targets
(judged on the last world). Exports are timed apart, with fewer samples. Asserts nothing.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine, make_url
from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

from tracker import clock
from tracker.app import create_app
from tracker.benchmarks.common import (
    World,
    percentiles,
    prepare_world,
    sign_in_form,
    world_options,
    world_url,
)
from tracker.extensions import db
from tracker.models import Assignment, Task, User
from tracker.services import api_tokens

PREFIX = "bench_reports"
WORLDS = "500x40,3500x300"

# The targets, on the large world: PostgreSQL after ANALYZE, and SQLite.
P50_MS, P95_MS, QUERIES, RATIO = 150, 300, 10, 2.0
SQLITE_P50_MS = 500


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    aggregate: bool = True  # its work grows with the programme: the ratio target applies
    focal_point: bool = False  # read by a unit's focal point instead of the coordinator


PAGES = (
    Page("dashboard", "/"),
    Page("programme report", "/reports/"),
    Page("programme report, past day", "/reports/?as_of={past}"),
    Page("unit scorecards", "/reports/units"),
    Page("matrix", "/reports/matrix"),
    Page("narrative", "/reports/narrative"),
    Page("task page (an overdue task)", "/tasks/{task}", aggregate=False),
    Page("overdue list", "/tasks/?status=overdue"),
    Page("review queue", "/review/"),
    # The integration API, a page of 100 from the middle of the table (target: 100 ms).
    Page("API: 100 assignments", "/api/v1/assignments?limit=100&after={middle}", aggregate=False),
    Page(
        "API: 100 overdue ones",
        "/api/v1/assignments?limit=100&status=overdue&after={middle}",
        aggregate=False,
    ),
    # The search box: folded LIKE on trigram-indexed columns, four capped groups.
    Page("search du lieu, coordinator", "/search?q=du+lieu"),
    Page("search ha noi, coordinator", "/search?q=ha+noi"),
    Page("search du lieu, focal point", "/search?q=du+lieu", focal_point=True),
    Page("search ha noi, focal point", "/search?q=ha+noi", focal_point=True),
)
EXPORTS = (Page("programme XLSX", "/reports/?format=xlsx"),)


@dataclass
class Timing:
    """One page's timed requests on one world."""

    seconds: list[float] = field(default_factory=list)
    queries: int = 0  # the most any timed request ran
    error: str = ""  # the first unexpected answer, e.g. "HTTP 500"

    @property
    def p50(self) -> float:
        return percentiles(self.seconds)[0]

    @property
    def p95(self) -> float:
        return percentiles(self.seconds)[1]


# ---------------------------------------------------------------- serving, query counting


class QueryCounter:
    """WSGI middleware counting the SQL statements each request runs, on any engine.

    The client names each request (``X-Bench-Request``); the count is complete when the
    server has closed the response, which ``wait`` waits for.
    """

    def __init__(self, app) -> None:
        self.app = app
        self._local = threading.local()
        self._counts: dict[str, int] = {}
        self._done = threading.Condition()
        event.listen(Engine, "before_cursor_execute", self._count)

    def close(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        counter = getattr(self._local, "counter", None)
        if counter is not None:
            counter[0] += 1

    def __call__(self, environ, start_response):
        key = environ.get("HTTP_X_BENCH_REQUEST")
        counter = self._local.counter = [0]

        def finished() -> None:
            self._local.counter = None
            if key:
                with self._done:
                    self._counts[key] = counter[0]
                    self._done.notify_all()

        return ClosingIterator(self.app(environ, start_response), [finished])

    def wait(self, key: str, timeout: float = 10.0) -> int:
        """Return the statements of request ``key`` once it has finished (-1 if it has not)."""
        with self._done:
            self._done.wait_for(lambda: key in self._counts, timeout)
            return self._counts.pop(key, -1)


class Server:
    """The app on 127.0.0.1 in a thread of this process, behind a ``QueryCounter``."""

    def __init__(self, app) -> None:
        self.counter = QueryCounter(app)
        self._server = make_server("127.0.0.1", 0, self.counter, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._thread.join()
        self.counter.close()


def sign_in(client: httpx.Client, email: str) -> None:
    """Sign ``client`` in through the login form; raise if the app refuses."""
    page = client.get("/login")
    answer = client.post("/login", data=sign_in_form(page.text, email))
    if answer.status_code != 302 or "/login" in answer.headers.get("location", ""):
        raise RuntimeError(f"could not sign in as {email}: HTTP {answer.status_code}")


def measure(targets: list[tuple], *, warm: int, samples: int, budget: float) -> list[Timing]:
    """Request each target's path (``targets``: (client, query counter, path), one per
    world) ``warm`` times, then time up to ``samples`` requests of each (at least 3 once
    ``budget`` seconds have gone). The worlds take turns request by request: the machine's
    speed, which drifts from one second to the next on a shared host, weighs on each world's
    figures alike, and their ratio holds still from one run to the next."""
    timings = [Timing() for _ in targets]
    names = itertools.count()
    start = time.perf_counter()
    for i in range(warm + samples):
        timed_so_far = i - warm
        if timed_so_far >= min(3, samples) and time.perf_counter() - start > budget:
            break
        for timing, (client, counter, path) in zip(timings, targets, strict=True):
            key = f"{path}#{next(names)}"
            began = time.perf_counter()
            try:
                answer = client.get(path, headers={"X-Bench-Request": key})
            except httpx.HTTPError as exc:
                timing.error = timing.error or type(exc).__name__
                continue
            seconds = time.perf_counter() - began
            queries = counter.wait(key)
            if answer.status_code != 200:
                timing.error = timing.error or f"HTTP {answer.status_code}"
            elif i >= warm:
                timing.seconds.append(seconds)
                timing.queries = max(timing.queries, queries)
    return timings


# ---------------------------------------------------------------- one world


def open_world(args, world: World, today: date, past: date):
    """Prepare ``world`` (printing what was done); return its app and the pages' values."""
    url = world_url(world, prefix=PREFIX, server=args.server, folder=args.folder)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TODAY": today.isoformat(),
         "SECRET_KEY": os.urandom(16).hex(), "WTF_CSRF_ENABLED": False,
         "RATELIMIT_ENABLED": False,
         # Every page is built: the same page asked again would otherwise come from the
         # page cache (nothing commits meanwhile), which bench_http measures instead.
         "PAGE_CACHE_SECONDS": 0,
         # The world's coordinators have no authenticator app.
         "TWO_FACTOR_ROLES": ()}
    )  # fmt: skip
    print(f"world {world.short}: {world} in {_where(url)} ...", flush=True)
    done = prepare_world(app, world, today, rebuild=args.rebuild, days=kept_days(today, past))
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in done["seconds"].items())
    migrated = " and migrated" if done["migrated"] and done["how"] == "reused" else ""
    print(f"  {done['how']}{migrated}: {steps}", flush=True)
    with app.app_context():
        task = db.session.scalar(
            select(Task.id).where(Task.deadline < today - timedelta(days=7))
            .order_by(Task.deadline.desc()).limit(1)
        )  # fmt: skip
        coordinator = db.session.scalar(
            select(User).where(User.role == "coordinator").order_by(User.id).limit(1)
        )
        email = coordinator.email
        focal = db.session.scalar(
            select(User.email).where(User.role == "focal_point").order_by(User.id).limit(1)
        )
        count = db.session.scalar(select(func.count()).select_from(Assignment))
        middle = db.session.scalar(select(Assignment.id).order_by(Assignment.id).offset(count // 2))
        # The API's reader: a read-only token of the coordinator (one per run, 30 days).
        _token, secret = api_tokens.create(
            coordinator, name="bench_reports", scopes=[], days=30, now=clock.now()
        )
    values = {"past": past.strftime("%d/%m/%Y"), "task": task, "email": email, "focal": focal}
    return app, values | {"middle": middle, "token": secret}


def time_pages(args, opened: list) -> list[dict[str, Timing]]:
    """Serve every world at once and time each page on the worlds in turn, request by
    request (see ``measure``)."""
    timings: list[dict[str, Timing]] = [{} for _ in opened]
    with ExitStack() as stack:
        sessions = []
        for app, values in opened:
            server = stack.enter_context(Server(app))
            client = stack.enter_context(httpx.Client(base_url=server.url, timeout=600))
            sign_in(client, values["email"])
            client.headers["Authorization"] = f"Bearer {values['token']}"  # for the API pages
            focal = stack.enter_context(httpx.Client(base_url=server.url, timeout=600))
            sign_in(focal, values["focal"])
            sessions.append((server, client, focal, values))
        gc.freeze()  # as each gunicorn worker does once loaded (tracker/gunicorn_conf.py)
        for page in PAGES + EXPORTS:
            warm, samples = (args.warm, args.samples) if page in PAGES else (1, args.export_samples)
            targets = [
                (focal if page.focal_point else client, server.counter, page.path.format(**values))
                for server, client, focal, values in sessions
            ]
            found = measure(targets, warm=warm, samples=samples, budget=args.budget)
            for measured, timing in zip(timings, found, strict=True):
                measured[page.name] = timing
    for app, _values in opened:
        with app.app_context():
            db.engine.dispose()
    return timings


def _where(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ""
    return f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"


# ---------------------------------------------------------------- printing


def _figures(t: Timing) -> str:
    if not t.seconds:
        return f"{t.error or 'no answer':>22}   0"
    return f"{t.p50:>8.1f} {t.p95:>8.1f} {t.queries:>4} {len(t.seconds):>3}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _targets(page: Page, small: Timing | None, large: Timing, postgresql: bool) -> list[str]:
    """Return the verdicts of ``large`` (and of its ratio to ``small``) against the targets."""
    answered = bool(large.seconds) and not large.error
    if not postgresql:
        return [_verdict(answered and large.p50 <= SQLITE_P50_MS)]
    verdicts = [
        _verdict(answered and large.p50 <= P50_MS),
        _verdict(answered and large.p95 <= P95_MS),
        _verdict(answered and large.queries <= QUERIES),
    ]
    if small is not None:
        ratio_ok = answered and bool(small.seconds) and large.p50 <= RATIO * small.p50
        verdicts.append(_verdict(ratio_ok) if page.aggregate else "  - ")
    return verdicts


def print_table(worlds: list[World], timings: list[dict], postgresql: bool) -> None:
    """Print one row per page: each world's p50, p95, queries, samples, the ratio of the
    last world's p50 to the first's, and the verdicts against the targets."""
    small = timings[0] if len(worlds) > 1 else None
    if postgresql:
        heads = [f"p50<={P50_MS}", f"p95<={P95_MS}", f"q<={QUERIES}"]
        heads += [f"ratio<={RATIO:g}"] if small else []
    else:
        heads = [f"p50<={SQLITE_P50_MS}"]
    print()
    print(f"{'':<30}" + "".join(f" | {w.short + ' (ms)':<26}" for w in worlds))
    row = f"{'page':<30}" + " | " + " | ".join(f"{'p50':>8} {'p95':>8} {'q':>4} {'n':>3}"
                                            for _ in worlds)  # fmt: skip
    row += f" | {'ratio':>6}" if small else ""
    print(row + " | " + " ".join(f"{h:>9}" for h in heads))
    wins = misses = 0
    for group, pages in (("", PAGES), ("exports (fewer samples, no targets)", EXPORTS)):
        if group:
            print(group)
        for page in pages:
            row = f"{page.name:<30} | " + " | ".join(_figures(t[page.name]) for t in timings)
            large = timings[-1][page.name]
            if small:
                first = small[page.name]
                ratio = large.p50 / first.p50 if large.seconds and first.seconds else None
                row += f" | {ratio:>6.2f}" if ratio is not None else f" | {'-':>6}"
            if not group:
                verdicts = _targets(page, small and small[page.name], large, postgresql)
                wins += verdicts.count("PASS")
                misses += verdicts.count("MISS")
                row += " | " + " ".join(f"{v:>9}" for v in verdicts)
            print(row)
    print()
    set_for = "" if worlds[-1] == World.parse(WORLDS.split(",")[-1]) else " (set for 1.05M)"
    print(f"targets on {worlds[-1].short}{set_for}: {wins} PASS, {misses} MISS")


def kept_days(today: date, past: date) -> list[date]:
    """Return the closed days whose figures the report pages read: the past day and the
    points of both days' progress charts (the nightly job would have written every day)."""
    from tracker.services.reports.pages import chart_days

    return sorted(d for d in {past, *chart_days(today), *chart_days(past)} if d < today)


def main(argv=None) -> None:
    parser = world_options(__doc__, sqlite="SQLite files")
    parser.add_argument(
        "--worlds",
        default=WORLDS,
        help=f"UNITSxTASKS, comma separated, smallest first (default {WORLDS}); the ratio "
        "is the last world's p50 over the first's",
    )
    parser.add_argument("--samples", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warm", type=int, default=2, help="untimed requests first")
    parser.add_argument("--export-samples", type=int, default=5)
    parser.add_argument(
        "--budget",
        type=float,
        default=120,
        help="seconds per page (all worlds) after which sampling stops (at 3 samples or more)",
    )
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    worlds = [World.parse(w) for w in args.worlds.split(",")]
    today = date.fromisoformat(args.today)
    past = today - timedelta(days=45)
    postgresql = bool(args.server)
    print(
        f"bench_reports on {'PostgreSQL' if postgresql else 'SQLite'}, today {today:%d/%m/%Y}, "
        f"past day {past:%d/%m/%Y}; per page {args.warm} warm-up then {args.samples} timed "
        f"requests (fewer after {args.budget:g} s)",
        flush=True,
    )
    opened = [open_world(args, world, today, past) for world in worlds]
    timings = time_pages(args, opened)
    print_table(worlds, timings, postgresql)
    names = {p.name: p.path for p in PAGES + EXPORTS}
    print("pages: " + "; ".join(f"{name} {path}" for name, path in names.items()))


if __name__ == "__main__":
    main()
