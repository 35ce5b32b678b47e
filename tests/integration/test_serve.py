"""``scripts/serve`` as a user runs it: gunicorn sized by ``tracker/gunicorn_conf.py``, one
scheduler and the mail catcher beside it, the address printed only once the server
answers, every process gone after SIGTERM; a taken port refused in one line of ours."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tracker import gunicorn_conf

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "scripts" / "serve"
RUNNING = "tracker is running at "
METRICS_TOKEN = "token-of-the-served-metrics"

# scripts/serve installs into and runs from the checkout's .venv: from any other Python it
# would build that venv first.
needs_checkout_venv = pytest.mark.skipif(
    Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() or not Path("/proc").is_dir(),
    reason="scripts/serve runs the checkout's .venv (run the tests from it) and is read on /proc",
)


def test_workers_follow_the_cores_from_two_to_eight():
    assert [gunicorn_conf.workers_for(n) for n in (1, 2, 3, 6, 8, 64)] == [2, 2, 3, 6, 8, 8]


@pytest.mark.parametrize(
    ("cpu_max", "cores"),
    [("max 100000", 8), ("200000 100000", 2), ("150000 100000", 2), ("50000 100000", 1)],
)
def test_a_container_cpu_quota_lowers_the_usable_cores(monkeypatch, tmp_path, cpu_max, cores):
    (tmp_path / "cpu.max").write_text(cpu_max + "\n")
    monkeypatch.setattr(gunicorn_conf, "CGROUP_CPU_MAX", str(tmp_path / "cpu.max"))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)

    assert gunicorn_conf.usable_cores() == cores


def test_gunicorn_reads_host_port_and_workers_from_the_environment():
    env = clean_env() | {"HOST": "::1", "PORT": "5999", "WEB_CONCURRENCY": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", "python:tracker.gunicorn_conf"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    printed = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in done.stdout.splitlines())
    )
    assert printed["bind"] == "['[::1]:5999']"
    assert printed["workers"] == "3"
    assert printed["worker_class"] == "gthread"
    assert printed["threads"] == "4"
    assert printed["accesslog"] == "None"
    assert printed["wsgi_app"] == "tracker.app:create_app()"


# --- scripts/serve end to end ------------------------------------------------------------


def clean_env() -> dict[str, str]:
    """Return this environment without anything that would steer tracker or gunicorn."""
    steering = {"HOST", "PORT", "MAIL_PORT", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"}
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TRACKER_") and name not in steering
    }


def free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def serve_env(instance: Path, port: int, mail_port: int, **extra: str) -> dict[str, str]:
    return clean_env() | {
        "TRACKER_INSTANCE_PATH": str(instance),
        "PORT": str(port),
        "MAIL_PORT": str(mail_port),
        "WEB_CONCURRENCY": "2",  # the same on any machine
        **extra,
    }


def session_processes(sid: int) -> dict[int, tuple[int, str]]:
    """Return {pid: (parent pid, command line)} of the live processes of session ``sid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        state, parent, _group, session = stat.rsplit(")", 1)[1].split()[:4]
        if int(session) == sid and state != "Z":
            found[int(entry.name)] = (int(parent), command)
    return found


def wait_until_gone(sid: int, seconds: float = 30) -> dict[int, tuple[int, str]]:
    deadline = time.monotonic() + seconds
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


class Serve:
    """scripts/serve in a session of its own, its output collected line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [str(SERVE)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, start: str, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.startswith(start):
                    return line
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no line {start!r}; output:\n" + "\n".join(self.lines[-40:]))

    def output(self) -> str:
        self.reader.join(10)
        return "\n".join(self.lines)

    def kill_everything(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """scripts/serve on free ports over a fresh instance folder, up and answering."""
    port, mail_port = free_ports(2)
    instance = tmp_path_factory.mktemp("serve")
    serve = Serve(serve_env(instance, port, mail_port, TRACKER_METRICS_TOKEN=METRICS_TOKEN))
    try:
        line = serve.wait_for_line(RUNNING, seconds=240)
        # Asked at once, not retried: the address is printed only once the server answers.
        answered = httpx.get(f"http://127.0.0.1:{port}/login", timeout=10)
        yield serve, port, line, answered
    finally:
        serve.kill_everything()


@needs_checkout_venv
def test_serve_prints_the_address_once_the_server_answers(served):
    _, port, line, answered = served

    assert line.startswith(f"{RUNNING}http://127.0.0.1:{port} ")
    assert answered.status_code == 200


@needs_checkout_venv
def test_serve_runs_gunicorn_workers_one_scheduler_and_the_mail_catcher(served):
    serve, *_ = served
    processes = session_processes(serve.process.pid)

    def children_of(pid: int, words: str) -> list[int]:
        return [p for p, (parent, cmd) in processes.items() if parent == pid and words in cmd]

    (master,) = children_of(serve.process.pid, "bin/gunicorn")
    assert len(children_of(master, "bin/gunicorn")) == 2
    # One scheduler, a child of the script, never of gunicorn (its sender is its own child).
    schedulers = [p for p, (_, cmd) in processes.items() if "tracker scheduler" in cmd]
    assert schedulers == children_of(serve.process.pid, "tracker scheduler")
    assert len(schedulers) == 1
    assert len(children_of(serve.process.pid, "tracker mailcatcher")) == 1
    assert not any("tracker run" in cmd for _, cmd in processes.values())


@needs_checkout_venv
def test_the_demo_administrator_signs_in_on_the_served_app(served):
    _, port, *_ = served
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        page = client.get("/login")
        token = re.search(r'id="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        signed_in = client.post(
            "/login",
            data={"csrf_token": token, "email": "admin@example.org", "password": "demo-2024"},
        )
        dashboard = client.get("/")

    assert signed_in.status_code == 302
    assert dashboard.status_code == 200
    assert "/logout" in dashboard.text


@needs_checkout_venv
def test_the_served_demo_becomes_ready_once_the_scheduler_has_swept(served):
    _, port, *_ = served
    deadline = time.monotonic() + 120
    while True:
        answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert answer.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "sweep": "ok", "outbox": "ok"},
    }


@needs_checkout_venv
def test_metrics_add_up_the_requests_of_every_worker(served):
    _, port, *_ = served
    base = f"http://127.0.0.1:{port}"
    for _ in range(20):  # a connection each: the workers take them as they come
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    sample = re.compile(
        r'^tracker_http_requests_total\{endpoint="health.healthz",method="GET",status="200"\}'
        r" (\S+)$",
        re.MULTILINE,
    )
    auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    totals = set()
    for _ in range(6):  # whichever worker answers the scrape
        scraped = httpx.get(f"{base}/metrics", headers=auth, timeout=10)
        assert scraped.status_code == 200
        totals.add(float(sample.search(scraped.text).group(1)))
    assert totals == {20.0}


@needs_checkout_venv
def test_sigterm_to_serve_stops_every_process_it_started(served):
    serve, port, *_ = served
    assert len(session_processes(serve.process.pid)) >= 6  # script, gunicorn x3, scheduler...

    serve.process.send_signal(signal.SIGTERM)
    serve.process.wait(60)

    assert wait_until_gone(serve.process.pid) == {}
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)


@needs_checkout_venv
@pytest.mark.parametrize("variable", ["PORT", "MAIL_PORT"])
def test_a_port_in_use_stops_serve_with_one_line_before_anything_starts(tmp_path, variable):
    port, mail_port = free_ports(2)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port if variable == "PORT" else mail_port))
        taken.listen()
        done = subprocess.run(
            [str(SERVE)],
            env=serve_env(tmp_path, port, mail_port),
            capture_output=True,
            text=True,
            timeout=120,
        )

    busy = port if variable == "PORT" else mail_port
    assert done.returncode == 1
    assert done.stderr.strip() == f"port {busy} is in use; set {variable} to another port"
    assert not (tmp_path / "tracker.sqlite3").exists()  # not even migrated


@needs_checkout_venv
def test_gunicorn_failing_to_start_ends_serve_with_a_reason_and_nothing_left(tmp_path):
    port, mail_port = free_ports(2)
    env = serve_env(tmp_path, port, mail_port, GUNICORN_CMD_ARGS="--worker-class no-such-worker")
    serve = Serve(env)
    try:
        status = serve.process.wait(240)
        left = wait_until_gone(serve.process.pid)
    finally:
        serve.kill_everything()

    assert status == 1
    assert left == {}
    last = serve.output().strip().splitlines()[-1]
    assert last == (
        "the web server (gunicorn) stopped (exit status 1) while starting; its messages are above"
    )
    assert RUNNING not in serve.output()


def test_each_worker_moves_what_it_loaded_out_of_the_collectors_reach():
    import gc

    gc.unfreeze()
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
