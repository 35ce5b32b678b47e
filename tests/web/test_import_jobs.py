"""Large imports run in the background: the page queues the file and shows a progress bar
the browser polls; the worker imports it all or nothing, as the request would; only the
person who queued it (and administrators) see the job; a stopped worker's job is taken up
again, and two workers never run one job."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from support.imports import csv_bytes
from support.people import office

from tracker import clock, settings
from tracker.extensions import db
from tracker.models import Event, ImportJob, Unit
from tracker.services.imports import jobs

HEADER = ("Mã", "Tên đơn vị", "Loại")


def _units(count: int, bad_line: int | None = None) -> bytes:
    rows = [HEADER]
    for n in range(count):
        kind = "Tỉnh lạ" if bad_line is not None and n + 2 == bad_line else "Tỉnh"
        rows.append((f"T{n:05d}", f"Tỉnh thử nghiệm số {n}", kind))
    return csv_bytes(rows)


@pytest.fixture
def world(app, build):
    app.config["IMPORT_BACKGROUND_ROWS"] = 20
    build(lambda make: office(make, "admin", "coordinator", language="en"))


def _upload(client, data, kind="units", **fields):
    form = {"file": (io.BytesIO(data), "đơn vị.csv"), **fields}
    return client.post(f"/imports/{kind}", data=form, content_type="multipart/form-data")


def _units_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Unit))


def _run(app) -> int:
    with app.app_context():
        return jobs.run_pending(settings.current(), clock.now)


def test_a_large_file_waits_for_the_worker_then_imports_whole(app, client, login, world):
    login("admin@example.org")
    queued = _upload(client, _units(60))
    assert queued.status_code == 303
    page_url = queued.headers["Location"]
    assert re.fullmatch(r"/imports/jobs/\d+", page_url)
    assert _units_count(app) == 0  # nothing before the worker runs
    waiting = client.get(page_url).get_data(as_text=True)
    assert 'id="import-progress"' in waiting and "import-job.js" in waiting
    assert client.get(page_url + ".json").get_json()["state"] == "queued"

    assert _run(app) == 1
    assert _units_count(app) == 60
    state = client.get(page_url + ".json").get_json()
    assert (state["state"], state["percent"], state["label"]) == ("done", 100, "Finished.")
    done = client.get(page_url).get_data(as_text=True)
    assert 'id="import-result"' in done and "Tỉnh thử nghiệm số 0" in done
    assert '<h2 class="h6">Newly created</h2>' in done
    assert "and 0 more" not in done
    listed = client.get("/imports/units").get_data(as_text=True)
    assert page_url in listed
    with app.app_context():
        assert db.session.scalar(select(ImportJob.data)) is None  # the file is not kept
        kinds = [e.kind for e in db.session.scalars(select(Event).order_by(Event.id))]
        assert kinds.index("import_queued") < kinds.index("import")  # who queued, what it did


def test_small_files_are_still_imported_in_the_request(app, client, login, world):
    login("admin@example.org")
    answer = _upload(client, _units(10))
    assert answer.status_code == 200 and _units_count(app) == 10


def test_one_bad_row_imports_nothing_and_the_job_shows_it(app, client, login, world):
    login("admin@example.org")
    url = _upload(client, _units(60, bad_line=45)).headers["Location"]
    _run(app)
    assert _units_count(app) == 0
    page = client.get(url).get_data(as_text=True)
    assert 'id="import-errors"' in page
    assert re.search(r'<td class="text-end text-nowrap">45</td>', page)
    assert "Tỉnh lạ" in page


def test_checking_a_large_file_writes_nothing(app, client, login, world):
    login("admin@example.org")
    url = _upload(client, _units(60), check="1").headers["Location"]
    _run(app)
    assert _units_count(app) == 0
    assert "Nothing was saved" in client.get(url).get_data(as_text=True)


def test_a_file_refused_at_once_is_not_queued(app, client, login, world):
    login("admin@example.org")
    app.config["IMPORT_MAX_ROWS"] = 50
    answer = _upload(client, _units(10_000))
    assert answer.status_code == 422
    assert "more than 50 rows" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_only_its_owner_and_administrators_see_a_job(app, client, login, world):
    login("dp@example.org")
    url = _upload(client, _units(60), kind="tasks").headers["Location"]
    assert client.get(url).status_code == 200
    client.post("/logout")
    assert client.get(url).status_code == 302  # signed out: the sign-in page
    login("admin@example.org")
    assert client.get(url).status_code == 200


def test_another_coordinator_gets_404(app, client, login, world, build):
    build(lambda make: make.user("coordinator", email="dp2@example.org", language="en"))
    login("dp@example.org")
    url = _upload(client, _units(60), kind="tasks").headers["Location"]
    client.post("/logout")
    login("dp2@example.org")
    assert client.get(url).status_code == 404
    assert client.get(url + ".json").status_code == 404


def test_progress_is_told_while_the_import_reads(app, client, login, world):
    login("admin@example.org")
    assert _upload(client, _units(1_200)).status_code == 303
    seen: list[tuple[str, int]] = []
    told = jobs._tell

    def watch(job, **values):
        told(job, **values)
        with app.app_context():
            row = db.session.get(ImportJob, job)
            seen.append((row.stage, row.rows_done))

    jobs._tell = watch
    try:
        _run(app)
    finally:
        jobs._tell = told
    assert ("reading", 500) in seen and ("reading", 1000) in seen
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    # SQLite's one writer is the import's transaction once it reads the database: the
    # stage it writes in is told with the result.
    expected = ("checking", 1200) if sqlite else ("writing", 1200)
    assert seen[-1] == expected and ("checking", 1200) in seen
    assert _units_count(app) == 1200


def test_a_job_whose_worker_stopped_is_taken_up_again(app, client, login, world):
    login("admin@example.org")
    _upload(client, _units(60))
    with app.app_context():
        job_id = jobs.claim(clock.now())
        assert jobs.claim(clock.now()) is None  # taken: nobody else gets it
        later = clock.now() + jobs.STALE + timedelta(minutes=1)
        assert jobs.claim(later) == job_id  # its worker stopped: taken up again
        db.session.execute(update(ImportJob).values(attempts=jobs.MAX_ATTEMPTS))
        db.session.commit()
        assert jobs.claim(later + jobs.STALE + timedelta(minutes=1)) is None
        job = db.session.get(ImportJob, job_id)
        assert (job.state, job.data) == ("failed", None)
    page = client.get(f"/imports/jobs/{job_id}").get_data(as_text=True)
    assert "interrupted several times" in page
    assert _units_count(app) == 0


@pytest.mark.committed
def test_other_connections_see_the_progress_while_the_import_runs(app, client, login, world):
    login("admin@example.org")
    assert _upload(client, _units(1_200)).status_code == 303
    seen = []
    told = jobs._tell
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"

    def watch(job, **values):
        told(job, **values)
        if sqlite and values["stage"] == "writing":
            return  # the import's transaction holds SQLite's one lock: a reader would wait
        with app.app_context(), db.engine.connect() as other:  # as the page's request reads
            seen.append(tuple(other.execute(select(ImportJob.stage, ImportJob.rows_done)).one()))

    jobs._tell = watch
    try:
        _run(app)
    finally:
        jobs._tell = told
    assert ("reading", 1000) in seen
    # SQLite's one writer is the import's transaction once it reads the database.
    assert seen[-1] == (("checking", 1200) if sqlite else ("writing", 1200))
    assert _units_count(app) == 1200


@pytest.mark.committed
def test_two_workers_never_take_the_same_job(app, client, login, world):
    import threading

    login("admin@example.org")
    assert _upload(client, _units(60)).status_code == 303
    taken, start = [], threading.Barrier(4)

    def worker():
        with app.app_context():
            start.wait()
            taken.append(jobs.claim(clock.now()))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken, key=lambda t: t is None)[1:] == [None, None, None]
    assert taken.count(None) == 3


def test_a_scheduler_run_finding_an_import_going_returns_at_once(app, monkeypatch):
    from tracker import scheduler

    ran = []
    monkeypatch.setattr(jobs, "run_pending", lambda *args, **kw: ran.append(1) or 0)
    with scheduler._importing:  # another run is importing
        scheduler.imports_job(app)
    assert ran == []
    scheduler.imports_job(app)
    assert ran == [1]


def test_the_imports_poll_leaves_no_line_in_the_scheduler_log_when_all_goes_well(app):
    import logging

    from tracker import scheduler

    class Kept(logging.Handler):
        def __init__(self):
            super().__init__(logging.INFO)
            self.lines: list[str] = []

        def emit(self, record):
            self.lines.append(record.getMessage())

    built = scheduler.build(app)
    poll, daily = built.get_job("imports"), built.get_job("prune")
    executor_log = logging.getLogger("apscheduler.executors.default")
    kept, level, disabled = Kept(), executor_log.level, executor_log.disabled
    executor_log.addHandler(kept)
    executor_log.setLevel(logging.INFO)
    executor_log.disabled = False  # another test's logging set-up may have switched it off
    try:
        for job in (poll, daily):
            executor_log.info('Running job "%s" (scheduled at %s)', job, "now")
        executor_log.error('Job "%s" raised an exception', poll)
    finally:
        executor_log.removeHandler(kept)
        executor_log.setLevel(level)
        executor_log.disabled = disabled
    assert len(kept.lines) == 2
    assert "delete old notifications" in kept.lines[0]
    assert "raised an exception" in kept.lines[1]
