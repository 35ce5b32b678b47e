"""gunicorn settings for the web server: ``gunicorn -c python:tracker.gunicorn_conf``, as
``scripts/serve`` and the production layout run it (see README). Command-line options and
``GUNICORN_CMD_ARGS`` override any of them; the web workers never run the scheduler.

Workers: gthread, one process per core (at least 2, at most 8) with 4 threads each, rather
than the classic 2 x cores + 1 sync workers. A sync worker is busy for the whole life of a
connection, so in the embedded mode, with browsers connecting directly and no buffering
proxy in front, a slow client or a kept-alive connection holds a whole process; gthread
keeps idle connections in a poller. Processes give the CPU-bound parts (rendering, report
figures, exports) a core each past the GIL; threads overlap what waits on the database. At
least 2 so that one long export never leaves the site unanswered; at most 8 because each
worker holds its own copy of the app and its database connections (on SQLite every writer
queues for one lock anyway). ``WEB_CONCURRENCY`` sets the number of workers instead.
"""

from __future__ import annotations

import gc
import math
import os
import shutil
import tempfile

THREADS_PER_WORKER = 4
MIN_WORKERS, MAX_WORKERS = 2, 8
CGROUP_CPU_MAX = "/sys/fs/cgroup/cpu.max"  # "<quota> <period>" in microseconds, or "max ..."


def usable_cores() -> int:
    """Return the CPUs this process may run on: its affinity mask, lowered by a cgroup v2
    CPU quota (a container limited to 2 CPUs on a 64-core host has 2)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        with open(CGROUP_CPU_MAX) as f:
            quota, period = f.read().split()
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def workers_for(cores: int) -> int:
    """Return the number of gthread workers for ``cores`` CPUs (see the module's docstring)."""
    return min(max(cores, MIN_WORKERS), MAX_WORKERS)


def address(host: str, port: str | int) -> str:
    """Return gunicorn's ``bind`` form of host and port (an IPv6 address in brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


wsgi_app = "tracker.app:create_app()"
bind = [address(os.environ.get("HOST") or "127.0.0.1", os.environ.get("PORT") or "5000")]
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or workers_for(usable_cores()))
threads = THREADS_PER_WORKER

# A worker silent this long is killed and replaced. gthread workers check in from their
# main loop, not per request, so a long export is not cut short by it.
timeout = 60
# On SIGTERM (scripts/serve stopping, systemd, a deploy) requests under way get this long.
graceful_timeout = 30
# Browsers keep connections open between pages; gthread parks idle ones cheaply.
keepalive = 5
# Heartbeat files in memory: a /tmp on a slow or full disk would make workers look hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# No access log: in production the reverse proxy writes one, and in the embedded mode the
# terminal stays readable (GUNICORN_CMD_ARGS="--access-logfile -" prints it). Errors go to
# stderr, that is the terminal or the journal.
accesslog = None
errorlog = "-"

# gunicorn >= 25 opens a control socket at one fixed path per user, which a second server
# (another checkout, a benchmark, the tests) would take over; nothing here uses it.
control_socket_disable = True


_metrics_folder = ""  # made by on_starting, removed by on_exit


def on_starting(server) -> None:
    """Give the workers one folder for their request metrics (prometheus_client's
    multiprocess mode: /metrics adds up every worker's counts whichever worker answers),
    emptied of an earlier server's files."""
    global _metrics_folder
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = _metrics_folder = tempfile.mkdtemp(prefix="tracker-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def on_exit(server) -> None:
    """Remove the metrics folder made at start (one given by the environment stays)."""
    if _metrics_folder:
        shutil.rmtree(_metrics_folder, ignore_errors=True)


def child_exit(server, worker) -> None:
    """Drop a finished worker's live gauges (its counters stay in the totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """Move what the worker holds once loaded (modules, the app, its compiled templates and
    mapped tables) out of the garbage collector's reach: full collections then walk only
    what requests create, which keeps a report over thousands of units from pausing."""
    gc.freeze()
