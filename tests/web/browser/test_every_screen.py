"""The twelve key pages of the demo on a phone (390 px) and a laptop (1366 px), in
Vietnamese and in English, for the roles that use them: no page scrolls sideways, the
navbar keeps one line on the laptop (an administrator's, the fullest, with room for a
search box), and axe-core finds no serious or critical WCAG 2.1 AA violation (at 1366 px
in both languages, at 390 px in Vietnamese).

One demo, one browser; one context per role, its pages reused from size to size.
Screenshots: test-artifacts/screenshots/screen-<language>-<width>-<page>.png.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Assignment, Task, Unit

TESTS = Path(__file__).resolve().parents[2]
AXE = TESTS / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = TESTS.parent / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "demo-2024"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
NAVBAR_ONE_LINE = 64  # px: a brand line is 56

# The navbar's height with the search box planned for it (a form of one input about 14rem
# wide, before the account menu), put in for the measurement while the page has none.
NAVBAR_HEIGHT = """() => {
  const nav = document.querySelector('nav.navbar');
  if (nav.querySelector('form[role=search]')) return nav.offsetHeight;
  const form = document.createElement('form');
  form.setAttribute('role', 'search');
  form.innerHTML = '<input class="form-control form-control-sm" style="width:14rem">';
  nav.querySelector('.nav-account').before(form);
  const height = nav.offsetHeight;
  form.remove();
  return height;
}"""


def _axe_missing() -> str | None:
    if not AXE.exists():
        why = "node/npm missing" if not shutil.which("npm") else "run `npm ci` in tests/axe"
        return f"axe-core is not installed ({why}; scripts/test installs it)"
    return None


def _places(app) -> dict[str, int]:
    """Return the ids the pages need: the shared-database catalogue task, Hà Nội, and Hà
    Nội's assignment on that task."""
    with app.app_context():
        task = db.session.scalar(select(Task.id).where(Task.title.contains("dữ liệu dùng chung")))
        unit = db.session.scalar(select(Unit.id).where(Unit.name == "Thành phố Hà Nội"))
        assignment = db.session.scalar(
            select(Assignment.id).where(Assignment.task_id == task, Assignment.unit_id == unit)
        )
    return {"task": task, "unit": unit, "assignment": assignment}


def _pages(ids: dict[str, int]) -> dict[str, list[tuple[str, str]]]:
    """Return each role's email and (name, path) pages: the twelve key pages, and the
    administrator's lists."""
    return {
        "dieuphoi1@example.org": [
            ("dashboard", "/"),
            ("tasks", "/tasks/"),
            ("task", f"/tasks/{ids['task']}"),
            ("units", "/units/"),
            ("unit", f"/units/{ids['unit']}"),
            ("review", "/review/"),
            ("reports", "/reports/"),
            ("scorecards", "/reports/units"),
            ("matrix", "/reports/matrix"),
            ("narrative", "/reports/narrative"),
        ],
        "dm.ha-noi@example.org": [
            ("todo", "/"),
            ("assignment", f"/assignments/{ids['assignment']}"),
        ],
        "admin@example.org": [("admin-dashboard", "/"), ("users", "/admin/users")],
    }


def _open(browser: Browser, base: str, email: str, language: str) -> Page:
    """Return a signed-in page of a new context (CSP bypassed so axe can be injected),
    switched to English through the account menu when asked."""
    context = browser.new_context(viewport=LAPTOP, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    if language == "en":
        page.get_by_test_id("account-menu").click()
        with page.expect_navigation():  # the switch posts and reloads the page
            page.get_by_role("button", name="English").click()
        page.wait_for_function("document.documentElement?.lang === 'en'")
    return page


def _axe(page: Page) -> list[str]:
    """Return the serious and critical WCAG 2.1 A/AA violations axe-core finds, in words."""
    page.add_script_tag(path=str(AXE))
    options = json.dumps({"runOnly": {"type": "tag", "values": WCAG_AA}})
    result = page.evaluate(f"axe.run(document, {options})")
    found = []
    for rule in result["violations"]:
        if rule["impact"] not in ("serious", "critical"):
            continue
        for node in rule["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            found.append(f"{rule['id']} ({rule['impact']}) at {node['target']}: {summary}")
    return found


@pytest.mark.parametrize("language", ["vi", "en"])
def test_key_pages_fit_every_screen_and_pass_axe(
    browser: Browser, app, demo_server, tmp_path, language
):
    missing_axe = _axe_missing()
    # The administrator's fullest navbar: the mailbox entry shows where mail is caught.
    app.config["MAIL_CATCHER_DIR"] = str(tmp_path / "mailbox")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for email, pages in _pages(_places(app)).items():
        page = _open(browser, demo_server, email, language)
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            for name, path in pages:
                where = f"{name} ({path}, {size['width']} px, {language})"
                page.goto(f"{demo_server}{path}")
                assert page.evaluate("document.documentElement.lang") == language, where
                page.screenshot(
                    path=str(SCREENSHOTS / f"screen-{language}-{size['width']}-{name}.png"),
                    full_page=True,
                )
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > page.evaluate("window.innerWidth"):
                    problems.append(f"{where}: the page scrolls sideways ({wide} px wide)")
                if size is LAPTOP:
                    high = page.evaluate(NAVBAR_HEIGHT)
                    if high > NAVBAR_ONE_LINE:
                        problems.append(f"{where}: the navbar wraps ({high} px high)")
                # On the phone in one language: what the width changes (scrolling boxes,
                # stacked tables) does not depend on the words.
                if not missing_axe and (size is LAPTOP or language == "vi"):
                    problems += [f"{where}: {v}" for v in _axe(page)]
        page.context.close()
    assert not problems, "\n".join(problems)
    if missing_axe:
        pytest.skip(f"layout checked; accessibility not: {missing_axe}")
