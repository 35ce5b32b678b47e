"""Single sign-on in Chromium against a real OpenID provider (oidc-provider): the button on
the sign-in page, the provider's own page, and back into the tracker with the role the
provider's groups give; an unknown email comes back to the sign-in page with the reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from support import oidc

ACCOUNTS = {
    "minh": {"email": "minh@example.org", "email_verified": True, "groups": ["tracker-admins"]},
    "stranger": {"email": "stranger@example.org", "email_verified": True},
}


@pytest.fixture
def provider(live_server, build):
    build(lambda f: f.user("viewer", email="minh@example.org", name="Trần Văn Minh",
                           language="en"))  # fmt: skip
    with oidc.provider([f"{live_server}/sso/callback"], ACCOUNTS) as running:
        yield running


def sign_in_at_provider(page: Page, base: str, login: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.locator("#sso-sign-in").click()
    expect(page.locator("h1")).to_have_text("Test provider")
    page.locator("#login").fill(login)
    page.get_by_role("button", name="Continue").click()


def test_sign_in_with_the_provider_as_an_administrator(app, page: Page, live_server, provider,
                                                        shoot):  # fmt: skip
    app.config.update(provider.config(OIDC_ROLE_GROUPS="admin=tracker-admins"))
    page.goto(f"{live_server}/login")
    expect(page.locator("#sso-sign-in")).to_have_text("Đăng nhập bằng Test ID")
    shoot("sso-login-page")
    sign_in_at_provider(page, live_server, "minh")
    expect(page).to_have_url(re.compile(re.escape(live_server) + "/$"))
    # An administrator now, from the provider's group: the administration pages open.
    page.goto(f"{live_server}/admin/users")
    expect(page.locator("h1")).to_contain_text("Users")
    shoot("sso-signed-in-admin")


def test_an_unknown_email_comes_back_refused(app, page: Page, live_server, provider):
    app.config.update(provider.config())
    sign_in_at_provider(page, live_server, "stranger")
    expect(page).to_have_url(re.compile(re.escape(live_server) + "/login"))
    expect(page.locator(".alert-danger")).to_contain_text("stranger@example.org")
    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile("/login"))
