"""Browser tests: the app served on a free local port, driven by Debian's headless Chromium.

Run on SQLite only (a file database shared by the server thread and the test). The server
thread reads what the test wrote, so these tests are ``committed``: their rows are committed
for real and the tables emptied afterwards. Screenshots go to test-artifacts/screenshots/
for people to look at.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"

HERE = Path(__file__).resolve().parent
DEMO_PASSWORD = "demo-2024"

# In CI these tests share two cores with the rest of the suite: a page that takes a few
# seconds to answer there is slow, not wrong. Assertions wait up to 15 s, not Playwright's
# 5 s; only one that fails waits that long.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items):
    """Mark the tests of this folder ``browser`` and ``committed``; skip them without
    Chromium. (The hook sees every collected test, hence the folder check.)"""
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if HERE not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.committed)
        if not os.path.exists(CHROMIUM):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}, "locale": "vi-VN"}


@pytest.fixture(scope="session")
def database_url(sqlite_url):
    """Browser tests run on SQLite only (this overrides the two-backend fixture)."""
    return sqlite_url


@pytest.fixture
def live_server(app):
    """Serve ``app`` on 127.0.0.1 with a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def demo_server(app, settings, live_server):
    """Serve the demo data (password DEMO_PASSWORD); yields its base URL."""
    from tracker.services.demo.load import load_demo

    with app.app_context():
        load_demo(password=DEMO_PASSWORD, settings=settings)
    return live_server


@pytest.fixture
def shoot(page):
    """Return a function saving a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
