"""The API documentation page in Chromium: Swagger UI, from the app's own vendored files,
lays out every operation of the OpenAPI 3.1 document for a signed-in user; the page and its
scripts load nothing from elsewhere."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from support.people import office

PASSWORD = "secret-pass"


def test_the_api_documentation_lists_every_operation(app, page: Page, build, live_server, shoot):
    build(lambda make: office(make, "coordinator", language="en"))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server}/login")
    page.locator("#email").fill("dp@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    page.goto(f"{live_server}/api/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15000)
    spec = page.request.get(f"{live_server}/api/v1/openapi.json").json()
    verbs = {"get", "post", "put", "patch", "delete"}
    described = [*spec["paths"].values(), *spec.get("webhooks", {}).values()]
    operations = sum(len(verbs & set(item)) for item in described)  # webhooks shown too
    expect(page.locator(".opblock")).to_have_count(operations)
    expect(page.locator(".version-stamp").first).to_contain_text("3.1")
    shoot("api-docs")
    assert all(url.startswith(live_server) for url in requested), requested
