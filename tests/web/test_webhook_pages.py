"""Administration → Webhooks: an administrator registers an endpoint and sees its secret
once, disables and enables it, reads its deliveries and sends one again; nobody else may."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from support.people import office

from tracker.extensions import db
from tracker.models import Event, WebhookDelivery, WebhookEndpoint
from tracker.services import webhooks

URL = "https://baocao.example.gov.vn/hooks/tracker"


@pytest.fixture
def world(build):
    return build(lambda make: office(make, "admin", "coordinator", language="en"))


def test_an_administrator_registers_a_webhook_and_sees_its_secret_once(app, client, login, world):
    login("admin@example.org")
    made = client.post(
        "/admin/webhooks",
        data={"url": URL, "description": "Tỉnh", "kinds": ["assignment.returned", "task.changed"]},
    )
    assert made.status_code == 201
    secret = re.search(r'value="(whsec_[^"]+)"', made.get_data(as_text=True)).group(1)
    listing = client.get("/admin/webhooks").get_data(as_text=True)
    assert URL in listing and secret not in listing
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert endpoint.kind_list == ["task.changed", "assignment.returned"]
        assert endpoint.secret == secret
        assert "webhook_created" in db.session.scalars(select(Event.kind)).all()

    client.post(f"/admin/webhooks/{endpoint.id}/disable")
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint.id).active is False
    client.post(f"/admin/webhooks/{endpoint.id}/enable")
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint.id).active is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"url": "ftp://x.example.org/", "kinds": ["task.changed"]},
            "Enter an http:// or https://",
        ),
        ({"url": URL}, "Choose at least one kind of event."),
        ({"url": URL, "kinds": ["nothing.like.this"]}, "not a valid choice"),
    ],
)
def test_bad_webhooks_are_refused_and_nothing_is_made(app, client, login, world, data, message):
    login("admin@example.org")
    answer = client.post("/admin/webhooks", data=data)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_deliveries_are_listed_and_sent_again(app, client, login, build, world):
    from support.today import NOW

    def made(make):
        admin = db.session.scalar(select(webhooks.User).where(webhooks.User.role == "admin"))
        endpoint, _ = webhooks.create_endpoint(
            admin, url=URL, kinds=["task.changed"], description="", now=NOW
        )
        webhooks.enqueue([webhooks.Event("task_changed", 1, None, None, {})], now=NOW)
        row = db.session.scalar(select(WebhookDelivery))
        row.state, row.response_status, row.attempts = "failed", 503, 8
        return endpoint.id, row.id

    endpoint_id, delivery_id = build(made)
    login("admin@example.org")
    page = client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "HTTP 503" in page
    client.post(f"/admin/webhooks/deliveries/{delivery_id}/redeliver")
    with app.app_context():
        states = db.session.scalars(
            select(WebhookDelivery.state).order_by(WebhookDelivery.id)
        ).all()
        assert states == ["failed", "pending"]


@pytest.mark.parametrize("path", ["/admin/webhooks", "/admin/webhooks/1"])
def test_only_administrators_reach_the_webhooks(client, login, world, path):
    login("dp@example.org")
    assert client.get(path).status_code == 403
    assert (
        client.post("/admin/webhooks", data={"url": URL, "kinds": ["task.changed"]}).status_code
        == 403
    )
