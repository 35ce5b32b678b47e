"""Keyboard only: a focal point opens an assignment from the home to-do list, reports its
completion and sees it await confirmation, without the mouse; whatever has the focus
shows a ring one can see, in the navbar too."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DEMO_PASSWORD = "demo-2024"


def tab_to(page: Page, selector: str, *, back: bool = False, limit: int = 120) -> None:
    """Press Tab (Shift+Tab with ``back``) until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def type_into(page: Page, selector: str, text: str) -> None:
    """Tab to the field ``selector`` and type ``text`` into it, key by key.

    Chromium, driven through the DevTools protocol on a loaded machine, now and then drops
    the keys after the first of a fast burst (Playwright issue 22970): the field keeps "2"
    of "28/06/2024". Keys are therefore typed at a person's pace, and a field that still
    lost some is emptied with the keyboard and typed once more. The field keeping the focus
    is checked each time, so a page that steals the focus still fails."""
    tab_to(page, selector)
    for _attempt in range(2):
        page.keyboard.type(text, delay=15)
        focused, value = page.evaluate(
            "(s) => [document.activeElement.matches(s), document.querySelector(s).value]", selector
        )
        assert focused, f"{selector} lost the focus while typing"
        if value == text:
            return
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
    raise AssertionError(f"{selector} holds {value!r} after typing {text!r} twice")


def focus_ring(page: Page) -> tuple[str, float, str]:
    """Return the focused element's outline style, width in px and colour."""
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"""
    )


def test_a_focal_point_reports_completion_with_the_keyboard_alone(page: Page, demo_server, shoot):
    page.goto(f"{demo_server}/login")
    type_into(page, "#email", "dm.ha-noi@example.org")
    type_into(page, "#password", DEMO_PASSWORD)
    page.keyboard.press("Enter")
    todo = page.get_by_test_id("todo")
    expect(todo).to_be_visible()

    # The first assignment waiting for its report, reached from the to-do list.
    report = todo.locator("[data-action=report] a[href$='#report']").first
    title = report.locator("xpath=ancestor::li//a[contains(@class, 'fw-medium')]").inner_text()
    tab_to(page, "[data-action=report] a[href$='#report']")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Báo cáo hoàn thành"
    style, width, _colour = focus_ring(page)
    assert style == "solid" and width >= 2, "the focused link shows no ring"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/assignments/\d+#report$"))
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    # The report form: number, date and summary typed; no file (a number is enough).
    type_into(page, "#submit-doc_number", "1234/QĐ-UBND")
    type_into(page, "#submit-doc_date", "28/06/2024")
    type_into(page, "#submit-summary", "Ban hành kế hoạch triển khai trên địa bàn thành phố.")
    shoot("keyboard-report-filled")
    tab_to(page, "#report button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Chờ xác nhận").first).to_be_visible()
    expect(page.get_by_text("1234/QĐ-UBND").first).to_be_visible()
    shoot("keyboard-report-sent")

    # From the top of the new page to the navbar: the focus is yellow on the blue bar.
    tab_to(page, "nav .nav-link[href='/']")
    style, width, colour = focus_ring(page)
    assert style == "solid" and width >= 2 and colour == "rgb(255, 213, 79)"
