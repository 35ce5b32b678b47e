"""Two-factor sign-in in Chromium, in Vietnamese: a coordinator whose role requires it is
sent to set it up after the password, reads the key off the page, confirms with a code
computed as a phone would (pyotp) and keeps the recovery codes; then signs in with a code,
with a recovery code (a second use refused), and from a remembered device without one."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

EMAIL = "dp@example.org"
PASSWORD = "secret-pass"


@pytest.fixture
def server(app, build, live_server):
    app.config["TWO_FACTOR_ROLES"] = ("admin", "coordinator")
    build(lambda f: f.user("coordinator", email=EMAIL, name="Trần Văn Minh", language="vi"))
    return live_server


def password(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


def sign_out(page: Page) -> None:
    page.get_by_test_id("account-menu").click()
    page.locator("nav").get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile("/login$"))


def test_set_up_then_sign_in_with_a_code_a_recovery_code_and_a_remembered_device(
    page: Page, server, shoot
):
    # The password alone leads to setting up, and nothing else opens meanwhile.
    password(page, server)
    expect(page).to_have_url(re.compile("/account/two-factor$"))
    expect(page.locator(".alert-warning")).to_contain_text("bắt buộc dùng xác thực hai bước")
    page.goto(f"{server}/tasks/")
    expect(page).to_have_url(re.compile("/account/two-factor$"))
    shoot("two-factor-required-vi")

    page.get_by_role("button", name="Thiết lập xác thực hai bước").click()
    expect(page.locator("h1")).to_have_text("Thiết lập xác thực hai bước")
    expect(page.locator("[data-testid=qr-code] svg")).to_be_visible()
    secret = page.locator("[data-testid=secret]").inner_text().replace(" ", "")
    shoot("two-factor-setup-vi")
    app = pyotp.TOTP(secret)
    page.locator("#code").fill("000000" if app.now() != "000000" else "111111")
    page.get_by_role("button", name="Xác nhận và bật").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("Mã không khớp")
    page.locator("#code").fill(app.now())
    page.get_by_role("button", name="Xác nhận và bật").click()
    expect(page.locator("h1")).to_have_text("Mã khôi phục của bạn")
    codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
    codes = [re.search(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c).group(0) for c in codes]
    assert len(codes) == 10
    shoot("two-factor-recovery-codes-vi")
    page.get_by_role("link", name="Tôi đã lưu các mã: tiếp tục").click()
    expect(page.locator("[data-testid=two-factor-state]")).to_have_text("Bật")
    page.goto(f"{server}/tasks/")
    expect(page).to_have_url(re.compile("/tasks/$"))
    sign_out(page)

    # The password, then the code: the next one, as the set-up's is used.
    password(page, server)
    expect(page).to_have_url(re.compile("/login/code$"))
    expect(page.locator("h1")).to_have_text("Xác thực hai bước")
    shoot("two-factor-code-step-vi")
    page.goto(f"{server}/tasks/")
    expect(page).to_have_url(re.compile("/login"))  # not signed in until the code
    page.goto(f"{server}/login/code")
    page.locator("#code").fill(app.at(time.time() + 30))
    page.get_by_role("button", name="Xác minh và đăng nhập").click()
    expect(page).to_have_url(re.compile(re.escape(server) + "/$"))
    sign_out(page)

    # A recovery code instead, once.
    password(page, server)
    page.locator("#code").fill(codes[0])
    page.get_by_role("button", name="Xác minh và đăng nhập").click()
    expect(page.locator(".alert-warning")).to_contain_text("Còn 9 mã")
    sign_out(page)
    password(page, server)
    page.locator("#code").fill(codes[0])
    page.get_by_role("button", name="Xác minh và đăng nhập").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("Mã không đúng")
    shoot("two-factor-code-refused-vi")

    # Remembered on this device: the next sign-in asks no code.
    page.locator("#code").fill(codes[1])
    page.get_by_label("Không hỏi lại trên thiết bị này trong 30 ngày").check()
    page.get_by_role("button", name="Xác minh và đăng nhập").click()
    expect(page).to_have_url(re.compile(re.escape(server) + "/$"))
    sign_out(page)
    password(page, server)
    expect(page).to_have_url(re.compile(re.escape(server) + "/$"))
    page.goto(f"{server}/account/two-factor")
    expect(page.locator("[data-testid=codes-left]")).to_have_text("8")
    shoot("two-factor-account-vi")
