"""A large import in Chromium: an administrator uploads 20,000 units, the page moves to the
background job and shows its progress bar while the worker (the scheduler's, here a
thread) imports them, then shows the result; all rows, in one transaction."""

from __future__ import annotations

import threading
import time

from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from support.imports import csv_bytes

from tracker import clock, settings
from tracker.extensions import db
from tracker.models import Unit
from tracker.services.imports import jobs

ROWS = 20_000


def test_a_20000_row_file_imports_in_the_background_with_its_progress(
    app, page: Page, build, live_server, shoot, tmp_path
):
    build(lambda make: make.user("admin", email="admin@example.org", language="vi"))
    rows = [("Mã", "Tên đơn vị", "Loại")]
    rows += [(f"X{n:05d}", f"Xã thử nghiệm số {n}", "Khác") for n in range(ROWS)]
    upload = tmp_path / "xa.csv"
    upload.write_bytes(csv_bytes(rows))

    page.goto(f"{live_server}/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill("secret-pass")
    page.locator("main button[type=submit]").click()
    page.goto(f"{live_server}/imports/units")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.locator("input[name=submit]").click()

    bar = page.get_by_role("progressbar")
    expect(bar).to_be_visible()
    expect(page.get_by_text("Tệp lớn nên được nhập ở chế độ nền")).to_be_visible()
    shoot("import-waiting-vi")

    told = jobs._tell

    def slow_tell(job_id, **values):  # a slower machine: the page polls once a second
        told(job_id, **values)
        time.sleep(0.1)

    def worker():
        with app.app_context():
            jobs.run_pending(settings.current(), clock.now)
            db.session.remove()

    jobs._tell = slow_tell
    thread = threading.Thread(target=worker)
    try:
        thread.start()
        label = page.wait_for_function(
            "() => { const b = document.querySelector('.progress');"
            " const l = document.querySelector('[data-label]');"
            " return b && Number(b.getAttribute('aria-valuenow')) > 0 && l.textContent; }",
            timeout=60_000,
        ).json_value()
        shoot("import-progress-vi")
        thread.join(timeout=120)
    finally:
        jobs._tell = told
    expect(page.locator("#import-result")).to_be_visible(timeout=60_000)
    expect(page.locator("#import-result")).to_contain_text("20.000")
    shoot("import-done-vi")
    assert label.startswith("Đang đọc các dòng")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unit)) == ROWS
