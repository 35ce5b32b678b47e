"""A new user's first minutes with the demo, in a real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "demo-2024"  # the demo_server fixture's (conftest.py)


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_coordinator_sees_the_dashboard_and_the_catalogue_task(page: Page, demo_server, shoot):
    sign_in(page, demo_server, "dieuphoi1@example.org")
    expect(page.get_by_role("heading", name="Tổng quan chương trình")).to_be_visible()
    expect(page.get_by_text("Hoàn thành đúng hạn").first).to_be_visible()
    expect(page.get_by_text("Chờ xác nhận").first).to_be_visible()
    shoot("dashboard-coordinator-vi")

    page.get_by_role("link", name="Nhiệm vụ", exact=True).click()
    page.get_by_label("Tên, nội dung hoặc văn bản giao").fill("dữ liệu dùng chung")
    page.get_by_role("button", name="Lọc").click()
    shoot("tasks-filtered-vi")
    page.get_by_role("link", name=re.compile("danh mục cơ sở dữ liệu dùng chung")).click()
    expect(page.get_by_test_id("group-split")).to_have_text(
        "17 bộ, ngành và 54/63 địa phương đã hoàn thành"
    )
    pills = page.get_by_test_id("status-pills")
    pills.get_by_role("link", name="Chưa hoàn thành 15").click()
    expect(page.locator("#assignments ~ .card table tbody tr")).to_have_count(15)
    shoot("task-catalogue-vi")


def test_focal_point_sees_only_their_own_unit(page: Page, demo_server, shoot):
    sign_in(page, demo_server, "dm.ha-noi@example.org")
    expect(page.get_by_role("heading", name="Thành phố Hà Nội")).to_be_visible()
    shoot("dashboard-focal-point-vi")
    page.get_by_role("link", name="Đơn vị của tôi").click()
    expect(page).to_have_url(re.compile(r"/units/\d+"))
    expect(page.get_by_role("heading", name="Thành phố Hà Nội")).to_be_visible()
    page.get_by_role("link", name="Nhiệm vụ", exact=True).click()
    expect(page.get_by_text("Tỉnh Thừa Thiên Huế")).to_have_count(0)
    page.get_by_role("link", name=re.compile("danh mục cơ sở dữ liệu dùng chung")).click()
    expect(page.get_by_role("cell", name="Thành phố Hà Nội")).to_be_visible()
    expect(page.get_by_role("cell", name="Bộ Y tế")).to_have_count(0)
    expect(page.get_by_test_id("status-pills")).to_have_count(0)


def test_the_app_reads_well_on_a_phone(page: Page, demo_server, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_server, "dieuphoi1@example.org")
    expect(page.get_by_text("Hoàn thành đúng hạn").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    shoot("dashboard-phone-vi")
