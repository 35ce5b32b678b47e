"""Load the app under gunicorn with coordinators and focal points reading pages at once.

The world is the reports bench's small one (default 500 x 40 = 20,000 assignments, the
database ``bench_reports_500x40`` with ``--server``, else its SQLite file), reused or
built as there. gunicorn serves it on 127.0.0.1 (``tracker/gunicorn_conf.py`` when there
is one, else 2 workers x 4 threads); this process is the client: asyncio, one signed-in
session per simulated user on a keep-alive connection of its own (plain HTTP/1.1: httpx
only signs in), each requesting its next page as soon as the last one answered.
``--coordinators`` of the users (default 70 %) are coordinators reading the dashboard,
task lists, task and unit pages, the review queue and the programme report; the others
are focal points reading their unit's pages. Meanwhile ``--commits-per-second`` small
changes are committed (default 1), each making every kept page stale as real reports and
reviews would; ``--page-cache off`` measures pages built every time.

First the floor: ``/healthz`` (no session, database or page) loaded by as many
connections as the first level has users, for ``--floor-seconds``. Then, for each
``--concurrency`` level, after one untimed round of each user's pages, the load runs
``--seconds``; printed: requests per second, p50 and p95 in milliseconds, errors (any
answer but 200, or no answer in 30 s), PASS/MISS against the issue's target at 10 users
(>= 200 req/s, p95 < 300 ms, no error; for PostgreSQL), the CPU each party used (this
client's share shows whether it limited the figures), the rate over the floor's (the
machine's speed, which drifts on a shared host, moves both), and the share of pages the
page cache served. Asserts nothing.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from tracker.app import create_app
from tracker.benchmarks.common import (
    World,
    percentiles,
    prepare_world,
    sign_in_form,
    world_options,
    world_url,
)
from tracker.benchmarks.reports import PREFIX
from tracker.extensions import db
from tracker.models import Task, Unit, User

# The target on the 20k world on PostgreSQL, at 10 users.
TARGET_USERS, TARGET_RPS, TARGET_P95_MS = 10, 200, 300
TIMEOUT = 30.0
ARRIVALS = 0.05  # seconds between two users' first requests
METRICS_TOKEN = os.urandom(16).hex()

# (page, path, weight): what each kind of user reads, and how often.
COORDINATOR = (
    ("dashboard", "/", 2),
    ("task list", "/tasks/", 1),
    ("overdue list", "/tasks/?status=overdue", 1),
    ("task page", "/tasks/{task}", 3),
    ("unit page", "/units/{unit}", 2),
    ("review queue", "/review/", 1),
    ("programme report", "/reports/", 1),
)
FOCAL_POINT = (
    ("dashboard", "/", 2),
    ("task list", "/tasks/", 2),
    ("task page", "/tasks/{task}", 3),
    ("unit page", "/units/{own}", 2),
)


@dataclass
class Programme:
    """What the users' paths are made of."""

    coordinator: str
    focal_points: list[tuple[str, int]]  # (email, unit id)
    tasks: list[int]
    units: list[int]


@dataclass
class Level:
    """One concurrency level's outcome."""

    users: int
    seconds: float = 0.0
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core, by party
    reconnects: int = 0
    commits: int = 0  # made by the committer meanwhile
    kept: tuple[float, float] = (0.0, 0.0)  # pages served from the page cache, and built

    @property
    def all_times(self) -> list[float]:
        return [t for times in self.times.values() for t in times]

    @property
    def requests(self) -> int:
        return len(self.all_times) + sum(self.errors.values())

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn serving ``tracker.app:create_app()`` on the database ``url``."""

    def __init__(
        self, url: str, today: date, workers: int | None, threads: int | None, page_cache: bool
    ) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkdtemp(prefix="bench-http-")) / "gunicorn.log"
        conf = importlib.util.find_spec("tracker.gunicorn_conf") is not None
        options = ["-c", "python:tracker.gunicorn_conf"] if conf else ["-k", "gthread"]
        if workers or not conf:
            options += ["-w", str(workers or 2)]
        if threads or not conf:
            options += ["--threads", str(threads or 4)]
        self.options = " ".join(options) + ("" if conf else " (no tracker/gunicorn_conf.py)")
        self.command = [
            sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{self.port}",
            "--error-logfile", str(self.log), "--log-level", "warning",
            "tracker.app:create_app()",
        ]  # fmt: skip
        self.env = os.environ | {
            "TRACKER_SQLALCHEMY_DATABASE_URI": url,
            "TRACKER_TODAY": today.isoformat(),
            "TRACKER_SECRET_KEY": os.urandom(16).hex(),
            "TRACKER_RATELIMIT_ENABLED": "0",  # every user signs in from 127.0.0.1
            "TRACKER_METRICS_TOKEN": METRICS_TOKEN,  # the page cache's hits, read at the end
            "TRACKER_TWO_FACTOR_ROLES": "",  # the coordinators have no authenticator app
        }
        if not page_cache:
            self.env["TRACKER_PAGE_CACHE_SECONDS"] = "0"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(self.command, env=self.env, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_tail()}")
            try:
                if httpx.get(self.base + "/login", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer within 60 s: {self.log_tail()}")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def pids(self) -> list[int]:
        """Return the master's and its workers' process ids."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        return [pid, *map(int, children)]

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def errors_logged(self) -> int:
        try:
            return self.log.read_text().count("Traceback")
        except OSError:
            return 0


# ---------------------------------------------------------------- CPU accounting (Linux)


def _cpu_seconds(pids) -> dict[int, float]:
    """Return the CPU seconds (user + system) each of ``pids`` has used so far."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def _named(name: str) -> list[int]:
    """Return the ids of the processes called ``name`` (e.g. every postgres backend)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _machine_busy() -> float:
    """Return the CPU seconds the whole machine has been busy so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """The CPU each party uses between ``start`` and ``stop``, as a share of one core."""

    def __init__(self, server: Gunicorn) -> None:
        self.server = server

    def _read(self) -> dict:
        return {
            "client": {0: time.process_time()},
            "gunicorn": _cpu_seconds(self.server.pids()),
            "postgres": _cpu_seconds(_named("postgres")),  # backends of the bench and others
            "machine": {0: _machine_busy()},
        }

    def start(self) -> None:
        self._begin, self._at = self._read(), time.perf_counter()

    def stop(self) -> dict[str, float]:
        """Return each party's CPU since ``start`` over the time since (a process that
        ended meanwhile is left out: its CPU counts as others')."""
        end, wall = self._read(), time.perf_counter() - self._at
        return {
            party: sum(t - self._begin[party].get(pid, 0.0) for pid, t in used.items()) / wall
            for party, used in end.items()
        }


# ---------------------------------------------------------------- data that changes


class Committer:
    """Commits ``per_second`` small changes to the database while the load runs, as focal
    points' reports and coordinators' reviews would: each moves the data version, so
    pages kept before it are built again (``tracker/views/page_cache.py``)."""

    def __init__(self, url: str, per_second: float) -> None:
        self.url, self.per_second = url, per_second
        self.commits = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.commits = 0
        self._stop.clear()
        if self.per_second > 0:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def stop(self) -> int:
        self._stop.set()
        if self._thread:
            self._thread.join()
        return self.commits

    def _run(self) -> None:
        engine = create_engine(self.url)
        touch = text(
            "UPDATE assignment SET updated_at = updated_at WHERE id = "
            "(SELECT min(id) FROM assignment)"
        )
        try:
            while not self._stop.wait(1 / self.per_second):
                with engine.begin() as conn:
                    conn.execute(touch)
                self.commits += 1
        finally:
            engine.dispose()


def page_cache_counts(base: str) -> tuple[float, float]:
    """Return (hits, misses) of the page cache so far, from the server's /metrics."""
    answer = httpx.get(
        base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
    )
    counts = {"hit": 0.0, "miss": 0.0}
    for line in answer.text.splitlines():
        if line.startswith("tracker_page_cache_total{"):
            result = line.split('result="', 1)[1].split('"', 1)[0]
            counts[result] += float(line.rsplit(" ", 1)[1])
    return counts["hit"], counts["miss"]


# ---------------------------------------------------------------- the client


async def _sign_in(base: str, email: str) -> str:
    """Sign ``email`` in through the login form; return the session's Cookie header."""
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as client:
        page = await client.get("/login")
        answer = await client.post("/login", data=sign_in_form(page.text, email))
        if answer.status_code != 302 or "/login" in answer.headers.get("location", ""):
            raise RuntimeError(f"could not sign in as {email}: HTTP {answer.status_code}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


class Connection:
    """One keep-alive HTTP/1.1 connection GETting pages with a session cookie.

    A tenth of httpx's CPU per request: on a machine the server shares, the client's CPU
    is taken from the server's throughput."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port = host, port
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part)
        self._set_head()
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.reconnects = 0  # requests asked again after the server closed an idle connection

    def _set_head(self) -> None:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self._head = f"Host: {self.host}:{self.port}\r\nCookie: {cookie}\r\n\r\n"

    def _keep_cookies(self, head: str) -> None:
        """Keep the cookies the answer sets, as a browser does (the session's CSRF secret,
        stored on its first page with a form)."""
        changed = False
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "set-cookie":
                cookie = value.strip().split(";", 1)[0]
                key, _, cookie_value = cookie.partition("=")
                self.cookies[key] = cookie_value
                changed = True
        if changed:
            self._set_head()

    async def get(self, path: str) -> int:
        """Return the status of GET ``path``, its body read (raises OSError, TimeoutError,
        asyncio.IncompleteReadError)."""
        try:
            return await asyncio.wait_for(self._get(path), TIMEOUT)
        except BaseException:
            self.close()
            raise

    async def _get(self, path: str) -> int:
        reused = self._streams is not None
        if not reused:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(f"GET {path} HTTP/1.1\r\n{self._head}".encode())
        try:
            raw = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        except (asyncio.IncompleteReadError, ConnectionResetError) as exc:
            if not reused or getattr(exc, "partial", b""):
                raise
            # The server closed the kept-alive connection without answering (its keep-alive
            # timeout ran out while it was busy): ask again on a new one, as browsers do.
            self.close()
            self.reconnects += 1
            return await self._get(path)
        head = raw.lower()
        if "\r\nset-cookie:" in head:
            self._keep_cookies(raw)
        status = int(head[9:12])
        length = _header(head, "content-length")
        if length is not None:
            await reader.readexactly(int(length))
        elif _header(head, "transfer-encoding") == "chunked":
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            while await reader.readline() not in (b"\r\n", b""):  # trailers
                pass
        else:
            await reader.read()
            self.close()
        if _header(head, "connection") == "close":
            self.close()
        return status

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


def _header(head: str, name: str) -> str | None:
    start = head.find(f"\r\n{name}:")
    if start < 0:
        return None
    start += len(name) + 3
    return head[start : head.find("\r\n", start)].strip()


def _paths(kind, programme: Programme, rng: random.Random, own: int | None):
    names, paths, weights = zip(*kind, strict=True)
    while True:
        i = rng.choices(range(len(names)), weights)[0]
        values = {"task": rng.choice(programme.tasks), "unit": rng.choice(programme.units)}
        yield names[i], paths[i].format(own=own, **values)


async def _user(
    client, kind, programme, rng, own, level: Level | None, stop_at: float, arrives: float = 0
):
    """Request pages one after another until ``stop_at`` (once each when ``level`` is None:
    the warm-up round, begun ``arrives`` seconds late)."""
    await asyncio.sleep(arrives)
    pages = _paths(kind, programme, rng, own)
    warm = [(name, path.format(own=own, task=programme.tasks[0], unit=programme.units[0]))
            for name, path, _ in kind]  # fmt: skip
    while True:
        if level is None:
            if not warm:
                return
            name, path = warm.pop()
        else:
            if time.perf_counter() >= stop_at:
                return
            name, path = next(pages)
        await _request(client, name, path, level)


async def _request(client, name: str, path: str, level: Level | None) -> None:
    """Request ``path`` once; in ``level`` (None: a warm-up, not counted), add its time
    under ``name``, or its error."""
    began = time.perf_counter()
    try:
        status = await client.get(path)
        error = "" if status == 200 else f"HTTP {status} {name}"
    except (
        OSError,
        TimeoutError,
        asyncio.IncompleteReadError,
        asyncio.LimitOverrunError,
        ValueError,
    ) as exc:
        error = f"{type(exc).__name__} {name}"
    if level is not None:
        if error:
            level.errors[error] += 1
        else:
            level.times[name].append(time.perf_counter() - began)


async def run_level(
    base, programme: Programme, users: int, seconds: float, share, meter, committer
):
    """Sign ``users`` users in, warm their pages, then load for ``seconds``."""
    coordinators = round(users * share)
    who = [(COORDINATOR, programme.coordinator, None)] * coordinators
    who += [
        (FOCAL_POINT, email, unit) for email, unit in programme.focal_points[: users - coordinators]
    ]
    host, port = base.removeprefix("http://").split(":")
    cookies = {email: await _sign_in(base, email) for email in {email for _, email, _ in who}}
    clients = [Connection(host, int(port), cookies[email]) for _, email, _ in who]
    rngs = [random.Random(i) for i in range(len(who))]
    try:
        # Users arrive one after another, as people do, each opening its connection then:
        # arriving all in one millisecond, they would find every worker idle, and the first
        # to wake could accept every connection and hold it, its core working for both.
        await asyncio.gather(*(
            _user(client, kind, programme, rng, own, None, 0, i * ARRIVALS)
            for i, (client, (kind, _, own), rng) in enumerate(zip(clients, who, rngs, strict=True))
        ))  # fmt: skip
        level = Level(users)
        reconnects = sum(client.reconnects for client in clients)
        kept_before = page_cache_counts(base)
        committer.start()
        meter.start()
        began = time.perf_counter()
        stop_at = began + seconds
        await asyncio.gather(*(
            _user(client, kind, programme, rng, own, level, stop_at)
            for client, (kind, _, own), rng in zip(clients, who, rngs, strict=True)
        ))  # fmt: skip
        level.seconds = time.perf_counter() - began
        level.cpu = meter.stop()
        level.commits = committer.stop()
        kept_after = page_cache_counts(base)
        level.kept = (kept_after[0] - kept_before[0], kept_after[1] - kept_before[1])
        level.reconnects = sum(client.reconnects for client in clients) - reconnects
        return level
    finally:
        for client in clients:
            client.close()


async def run_floor(base: str, users: int, seconds: float, meter) -> Level:
    """Load ``/healthz`` with ``users`` connections for ``seconds``: the floor, what the
    same server and client do per request with no session, database or page (the pages'
    rate over it moves less with the machine's speed than the rate alone)."""
    host, port = base.removeprefix("http://").split(":")
    clients = [Connection(host, int(port), "") for _ in range(users)]
    level = Level(users)

    async def load(client: Connection, stop_at: float, level: Level | None) -> None:
        while time.perf_counter() < stop_at:
            await _request(client, "floor", "/healthz", level)

    try:
        warm_until = time.perf_counter() + 1
        await asyncio.gather(*(load(client, warm_until, None) for client in clients))
        meter.start()
        began = time.perf_counter()
        await asyncio.gather(*(load(client, began + seconds, level) for client in clients))
        level.seconds = time.perf_counter() - began
        level.cpu = meter.stop()
        return level
    finally:
        for client in clients:
            client.close()


# ---------------------------------------------------------------- the run


def load_programme(app, users: int) -> Programme:
    with app.app_context():
        coordinator = db.session.scalar(
            select(User.email).where(User.role == "coordinator").order_by(User.id).limit(1)
        )
        focal_points = db.session.execute(
            select(User.email, User.unit_id)
            .where(User.role == "focal_point", User.active)
            .order_by(User.id)
            .limit(users)
        ).all()
        tasks = list(db.session.scalars(select(Task.id).order_by(Task.id)))
        units = list(db.session.scalars(select(Unit.id).order_by(Unit.id)))
        db.session.rollback()
        db.engine.dispose()
    return Programme(coordinator, [tuple(f) for f in focal_points], tasks, units)


def _verdicts(level: Level) -> list[str]:
    if level.users != TARGET_USERS:
        return ["-"] * 3
    times = level.all_times
    return [
        "PASS" if level.rate >= TARGET_RPS else "MISS",
        "PASS" if times and percentiles(times)[1] < TARGET_P95_MS else "MISS",
        "PASS" if not level.errors else "MISS",
    ]


def print_levels(levels: list[Level], floor: Level | None = None) -> None:
    """Print a row per level (and the floor's first), then each level's pages and errors."""
    cores = os.cpu_count() or 1
    print()
    print(
        f"target at {TARGET_USERS} users (PostgreSQL, 500 x 40): >= {TARGET_RPS} req/s, "
        f"p95 < {TARGET_P95_MS} ms, no error. CPU: % of one core, {cores} cores in all"
    )
    if floor is not None:
        print(
            f"floor: /healthz (no session, database or page), {floor.users} users, "
            f"{floor.seconds:.0f} s: {floor.rate:.0f} req/s; 'of floor' is each level's "
            "rate over it, measured in the same run"
        )
    print(f"{'users':>5} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'errors':>6} | {'req/s':>5} {'p95':>5} {'errors':>6} | {'client':>6} "
          f"{'gunicorn':>8} {'postgres':>8} {'others':>6} | client ms/request "
          "| of floor")  # fmt: skip
    for level in levels:
        times = level.all_times
        p50, p95 = (f"{ms:>7.1f}" for ms in percentiles(times)) if times else ("-".rjust(7),) * 2
        cpu = level.cpu
        others = max(0.0, cpu["machine"] - cpu["client"] - cpu["gunicorn"] - cpu["postgres"])
        per_request = cpu["client"] * level.seconds / level.requests * 1000 if level.requests else 0
        rps, p95_ok, errors_ok = _verdicts(level)
        print(
            f"{level.users:>5} {level.requests:>8} {level.rate:>7.1f} {p50} {p95} "
            f"{sum(level.errors.values()):>6} | {rps:>5} {p95_ok:>5} {errors_ok:>6} | "
            f"{cpu['client']:>6.0%} {cpu['gunicorn']:>8.0%} {cpu['postgres']:>8.0%} "
            f"{others:>6.0%} | {per_request:>17.2f} | "
            + (f"{level.rate / floor.rate:>8.2f}" if floor and floor.rate else f"{'-':>8}")
        )
    print()
    for level in levels:
        pages = ", ".join(
            f"{name} {'/'.join(f'{ms:.0f}' for ms in percentiles(t))} ({len(t)})"
            for name, t in sorted(level.times.items())
        )
        print(f"{level.users} users, per page p50/p95 ms (requests): {pages}")
        hits, built = level.kept
        if hits + built:
            print(f"  page cache: {hits / (hits + built):.0%} of {hits + built:.0f} cacheable "
                  f"pages served kept; {level.commits} commits meanwhile "
                  f"({level.commits / level.seconds:.1f}/s)")  # fmt: skip
        else:
            print(f"  page cache: off; {level.commits} commits meanwhile")
        if level.reconnects:
            print(f"  {level.reconnects} request(s) asked again: gunicorn closed a kept-alive "
                  "connection without answering (its keep-alive timeout, while busy)")  # fmt: skip
        for error, n in level.errors.most_common(5):
            print(f"  error x{n}: {error}")


def main(argv=None) -> None:
    parser = world_options(__doc__, sqlite="a SQLite file")
    parser.add_argument("--world", default="500x40", help="UNITSxTASKS (default 500x40)")
    parser.add_argument("--seconds", type=float, default=60, help="load per level (default 60)")
    parser.add_argument("--concurrency", default="10,30", help="users at once, per level")
    parser.add_argument(
        "--coordinators", type=float, default=0.7, help="the share of users who coordinate"
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default 4)")
    parser.add_argument(
        "--commits-per-second",
        type=float,
        default=1.0,
        help="small changes committed meanwhile, each making kept pages stale (default 1)",
    )
    parser.add_argument(
        "--page-cache", choices=("on", "off"), default="on", help="keep unchanged pages (on)"
    )
    parser.add_argument(
        "--floor-seconds",
        type=float,
        default=10,
        help="load /healthz first, at the first level's users, for the floor (0: not)",
    )
    args = parser.parse_args(argv)
    world = World.parse(args.world)
    today = date.fromisoformat(args.today)
    levels = [int(n) for n in args.concurrency.split(",")]
    url = world_url(world, prefix=PREFIX, server=args.server, folder=args.folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TODAY": today.isoformat()})
    parsed = make_url(url)
    where = parsed.database if parsed.get_backend_name() == "sqlite" else (
        f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"
    )  # fmt: skip
    backend = "PostgreSQL" if args.server else "SQLite"
    print(f"bench_http on {backend} {where}: {world}", flush=True)
    done = prepare_world(app, world, today, rebuild=args.rebuild)
    print(f"  world {done['how']}; " + ", ".join(
        f"{k} {v:.1f} s" for k, v in done["seconds"].items()), flush=True)  # fmt: skip
    programme = load_programme(app, max(levels))
    results = []
    committer = Committer(url, args.commits_per_second)
    with Gunicorn(url, today, args.workers, args.threads, args.page_cache == "on") as server:
        print(
            f"gunicorn {server.options} on {server.base}; {args.seconds:g} s per level; "
            f"{args.coordinators:.0%} coordinators, the rest focal points; page cache "
            f"{args.page_cache}, {args.commits_per_second:g} commit(s)/s meanwhile",
            flush=True,
        )
        meter = CpuMeter(server)
        floor = None
        if args.floor_seconds > 0:
            floor = asyncio.run(run_floor(server.base, levels[0], args.floor_seconds, meter))
        for users in levels:
            results.append(asyncio.run(
                run_level(server.base, programme, users, args.seconds, args.coordinators,
                          meter, committer)
            ))  # fmt: skip
        logged = server.errors_logged()
    print_levels(results, floor)
    print(f"server log: {logged} traceback(s) in {server.log}")


if __name__ == "__main__":
    main()
