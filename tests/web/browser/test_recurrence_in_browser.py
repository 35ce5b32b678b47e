"""Recurring tasks in Chromium: a coordinator sets up the six-monthly report, previews its
periods, saves it; the running period's task is created and assigned, and the focal point
sees it like any task, with its period."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from support.people import office
from support.units import cao_bang_province, ha_giang_province, health_ministry

PASSWORD = "secret-pass"


def _people(make) -> None:
    office(make, "coordinator", language="en", name="Trần Văn Minh")
    ha_giang = ha_giang_province(make)
    cao_bang_province(make)
    health_ministry(make)
    make.user("focal_point", email="hg@example.org", language="en", unit_id=ha_giang.id)


def _sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


def test_a_six_monthly_report_from_setup_to_the_focal_point(page: Page, build, live_server, shoot):
    build(_people)
    _sign_in(page, live_server, "dp@example.org")
    page.goto(f"{live_server}/tasks/")
    page.get_by_role("link", name="Recurring tasks").click()
    page.get_by_role("link", name="New recurring task").click()

    page.locator("#title").fill("Báo cáo tình hình chuyển đổi số 6 tháng")
    page.locator("#frequency").select_option("half_yearly")
    page.locator("#start").fill("01/01/2024")
    page.locator("#due_day").fill("15")
    page.locator("#cutoff").check()
    page.locator("#cutoff_day").fill("14")
    page.locator("#group-local").check()
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Every six months, due on day 15 of the period's last month")
    expect(preview).to_contain_text("15/12/2024")
    expect(page.get_by_test_id("created-on-save")).to_contain_text("first half of 2024")
    shoot("recurrence-preview")

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("Recurring task created.")
    occurrences = page.get_by_test_id("occurrences")
    expect(occurrences).to_contain_text("second half of 2024")
    expect(occurrences).to_contain_text("0/2 units completed")
    shoot("recurrence-detail")

    page.get_by_role("link", name="first half of 2024").click()
    expect(page.get_by_test_id("occurrence-of")).to_contain_text("Period: first half of 2024")
    # Stored in the programme's language, whoever reads it.
    expect(page.locator("main")).to_contain_text("Số liệu tính đến ngày 14/06/2024.")

    _sign_in(page, live_server, "hg@example.org")
    page.goto(f"{live_server}/tasks/")
    page.get_by_role("link", name=re.compile("6 tháng cuối năm 2024")).click()
    expect(page.get_by_test_id("occurrence-of")).to_contain_text("Báo cáo tình hình")
    shoot("recurrence-focal-point")
