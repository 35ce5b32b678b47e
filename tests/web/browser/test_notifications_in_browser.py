"""A return told in the app, in Chromium: the coordinator returns a report from the review
queue; the focal point sees the bell's count, opens the notification centre, reads the
reason and opens the assignment from it."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect
from support.today import TODAY
from support.units import ha_giang_province

PASSWORD = "secret-pass"
REASON = "Thiếu chữ ký số của lãnh đạo UBND tỉnh."


def _world(make) -> int:
    make.user("coordinator", email="dp@example.org", language="vi", name="Trần Văn Minh")
    ha_giang = ha_giang_province(make)
    make.user("focal_point", email="hg@example.org", language="vi", unit_id=ha_giang.id,
              name="Nguyễn Thị Hoa")  # fmt: skip
    task = make.task(title="Ban hành kế hoạch dữ liệu mở", deadline=date(2024, 10, 31))
    return make.assignment(task, ha_giang, state="submitted", submitted_on=TODAY).id


def sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


def test_a_focal_point_sees_the_bell_after_a_return_and_opens_it(
    page: Page, build, live_server, shoot
):
    assignment_id = build(_world)
    sign_in(page, live_server, "dp@example.org")
    page.goto(f"{live_server}/review/")
    page.get_by_text("Trả lại", exact=True).click()
    page.get_by_label("Lý do trả lại").fill(REASON)
    page.get_by_role("button", name="Trả lại đơn vị").click()
    expect(page.get_by_test_id("bell-count")).to_have_count(0)  # the actor is not told

    sign_in(page, live_server, "hg@example.org")
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    page.get_by_test_id("bell").click()
    expect(page.get_by_role("heading", name="Thông báo")).to_be_visible()
    item = page.locator("ul.notifications li").first
    expect(item).to_contain_text("Báo cáo bị trả lại")
    expect(item).to_contain_text(REASON)
    expect(item).to_contain_text("Trần Văn Minh")
    shoot("notification-centre-vi")
    item.get_by_role("link", name="Ban hành kế hoạch dữ liệu mở").click()
    expect(page).to_have_url(f"{live_server}/assignments/{assignment_id}")
    expect(page.get_by_test_id("return-reason")).to_contain_text(REASON)
    expect(page.get_by_test_id("bell-count")).to_have_count(0)  # opened: read
    page.goto(f"{live_server}/account/notifications")
    expect(page.get_by_text("Luôn gửi").first).to_be_visible()
    shoot("notification-settings-vi")
