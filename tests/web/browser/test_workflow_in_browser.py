"""The whole workflow in Chromium, in Vietnamese and in English: a coordinator creates and
assigns a task, a focal point reports with a PDF, the report is returned, resubmitted and
confirmed; the dashboard and the task page then count it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from support.units import cao_bang_province, ha_giang_province, hanoi_city, health_ministry

from tracker import catalogs

PASSWORD = "secret-pass"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _translator(language: str):
    if language == "en":
        return lambda text: text
    table = {m.id: m.string for m in catalogs.load("vi") if isinstance(m.id, str) and m.id}
    return lambda text: table[text]


def _people(make) -> None:
    for language in ("vi", "en"):
        make.user("coordinator", email=f"dp.{language}@example.org", language=language,
                  name="Trần Văn Minh")  # fmt: skip
    ha_giang = ha_giang_province(make)
    cao_bang_province(make)
    hanoi_city(make)
    health_ministry(make)
    for language in ("vi", "en"):
        make.user("focal_point", email=f"hg.{language}@example.org", language=language,
                  unit_id=ha_giang.id, name="Nguyễn Thị Hoa")  # fmt: skip


@pytest.fixture
def server(build, live_server):
    build(_people)
    return live_server


def sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_assign_report_return_resubmit_confirm(page: Page, server, shoot, tmp_path, language):
    t = _translator(language)
    coordinator, focal = f"dp.{language}@example.org", f"hg.{language}@example.org"
    title = f"Ban hành kế hoạch dữ liệu mở ({language})"

    # The coordinator creates the task; the deadline is read back before saving.
    sign_in(page, server, coordinator)
    page.goto(f"{server}/tasks/new")
    page.get_by_label(t("Title")).fill(title)
    page.get_by_label(t("Field")).select_option("data")
    page.get_by_label(t("Deadline"), exact=True).fill("tháng 10/2024")
    page.get_by_role("button", name=t("Check")).click()
    expect(page.get_by_text("31/10/2024").first).to_be_visible()
    page.get_by_role("button", name=t("Save")).click()

    # Saved, the task goes straight to assigning: every province, after a preview.
    expect(page.get_by_role("link", name=title)).to_be_visible()
    page.get_by_label(t("All provinces")).check()
    page.get_by_role("button", name=t("Preview")).click()
    page.get_by_role("button", name=t("Assign"), exact=True).click()
    expect(page.get_by_role("cell", name="Tỉnh Hà Giang", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Bộ Y tế")).to_have_count(0)

    # The focal point reports completion with a PDF.
    pdf = tmp_path / "ke-hoach.pdf"
    pdf.write_bytes(PDF)
    sign_in(page, server, focal)
    page.goto(f"{server}/tasks/")
    page.get_by_role("link", name=title).click()
    page.locator("a[href^='/assignments/']").first.click()
    page.get_by_label(t("Document number (số ký hiệu)")).fill("123/KH-UBND")
    page.get_by_label(t("Document date")).fill("28/06/2024")
    page.get_by_label(t("Signed by")).fill("Chủ tịch UBND tỉnh")
    page.get_by_label(t("Summary (trích yếu)")).fill("Kế hoạch cung cấp dữ liệu mở năm 2024")
    page.locator("#submit-files").set_input_files(str(pdf))
    page.locator("#report button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_contain_text(t("Within deadline"))
    expect(page.get_by_role("link", name="ke-hoach.pdf").first).to_be_visible()
    assignment_url = page.url

    # The coordinator returns it from the review queue, with a reason.
    sign_in(page, server, coordinator)
    page.goto(f"{server}/review/")
    expect(page.get_by_text("123/KH-UBND")).to_be_visible()
    shoot(f"review-queue-{language}")
    page.get_by_text(t("Return"), exact=True).click()
    page.get_by_label(t("Reason for returning")).fill("Thiếu chữ ký số của lãnh đạo.")
    page.get_by_role("button", name=t("Return to the unit")).click()

    # The focal point sees why, and resubmits.
    sign_in(page, server, focal)
    page.goto(assignment_url)
    expect(page.get_by_test_id("return-reason")).to_contain_text("Thiếu chữ ký số")
    page.get_by_label(t("Document number (số ký hiệu)")).fill("123/KH-UBND (bản ký số)")
    page.locator("#submit-files").set_input_files(str(pdf))
    page.locator("#report button[type=submit]").click()
    expect(page.get_by_test_id("return-reason")).to_have_count(0)

    # The coordinator confirms; the counts and the status words follow.
    sign_in(page, server, coordinator)
    page.goto(f"{server}/review/")
    page.get_by_role("button", name=t("Confirm"), exact=True).click()
    page.goto(assignment_url)
    expect(page.get_by_test_id("status")).to_contain_text(t("Completed on time"))
    shoot(f"assignment-{language}")
    page.goto(f"{server}/tasks/")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_test_id("group-split")).to_have_text(re.compile(r"1/3"))
    expect(
        page.get_by_test_id("status-pills").get_by_role("link", name=f"{t('Not completed')} 2")
    ).to_be_visible()
    shoot(f"task-{language}")
    page.goto(f"{server}/")
    expect(page.get_by_text(t("Completed on time")).first).to_be_visible()
    shoot(f"dashboard-{language}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(assignment_url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the assignment page scrolls sideways on a phone ({width}px)"
    shoot(f"assignment-phone-{language}")
