"""Webhooks from the receiving side: a real HTTP server gets each event once, signed as the
README says; a receiver that is down gets it later, once; an endpoint failing again and
again is disabled and the administrators are told; a change that rolls back tells nobody."""

from __future__ import annotations

import json
import re
import socket
from datetime import date, timedelta

import jsonschema
from sqlalchemy import func, select, update
from support.people import office
from support.receiver import Receiver, verify
from support.today import NOW
from support.units import hanoi_city

from tracker.extensions import db
from tracker.models import EmailMessage, User, WebhookDelivery, WebhookEndpoint
from tracker.services import webhooks
from tracker.services.assignments import workflow


def _admin(make) -> User:
    return office(make, "admin", "coordinator")[0]


def _endpoint(make, url: str, kinds=("assignment.returned",)) -> tuple[WebhookEndpoint, str]:
    return webhooks.create_endpoint(
        _admin(make), url=url, kinds=list(kinds), description="Hệ thống báo cáo", now=NOW
    )


def _returned(make) -> int:
    unit = hanoi_city(make)
    make.user("focal_point", email="dm@example.org", unit_id=unit.id)
    task = make.task(title="Kế hoạch dữ liệu mở", deadline=date(2024, 6, 30))
    assignment = make.assignment(task, unit, state="submitted", submitted_on=date(2024, 6, 28))
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator"))
    workflow.return_submission(assignment.id, coordinator, NOW, None, "Thiếu quyết định")
    return assignment.id


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_return_reaches_the_receiver_once_signed(ctx, make, settings):
    with Receiver().running() as receiver:
        endpoint, secret = _endpoint(make, receiver.url)
        assignment = _returned(make)
        report = webhooks.deliver_due(lambda: NOW, settings)
        assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
        assert webhooks.deliver_due(lambda: NOW, settings).handled == 0

    [(headers, body)] = receiver.received
    assert verify(secret, headers["X-Tracker-Signature"], body, NOW.timestamp())
    assert not verify("whsec_other", headers["X-Tracker-Signature"], body, NOW.timestamp())
    assert not verify(secret, headers["X-Tracker-Signature"], body, NOW.timestamp() + 301)
    event = json.loads(body)
    # The body is what the OpenAPI description's webhooks section says.
    spec = ctx.test_client().get("/api/v1/openapi.json").get_json()
    document = {"$ref": "#/components/schemas/WebhookEvent", "components": spec["components"]}
    jsonschema.Draft202012Validator(document).validate(event)
    assert "assignment.returned" in spec["webhooks"]
    assert event["type"] == "assignment.returned" == headers["X-Tracker-Event"]
    assert event["data"]["assignment_id"] == assignment
    assert event["data"]["reason"] == "Thiếu quyết định"
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.state, delivery.response_status, delivery.attempts) == ("delivered", 200, 1)
    assert endpoint.failures == 0


def test_a_receiver_that_is_down_gets_the_event_later_once(ctx, make, settings):
    port = _free_port()
    receiver = Receiver(port)
    receiver.server.server_close()  # nothing listens there yet
    _endpoint(make, receiver.url)
    _returned(make)

    report = webhooks.deliver_due(lambda: NOW, settings)
    assert report.retrying == 1
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.error
    assert delivery.next_attempt_at > NOW
    assert webhooks.deliver_due(lambda: NOW, settings).handled == 0  # not due yet

    later = delivery.next_attempt_at + timedelta(seconds=1)
    with Receiver(port).running() as back:
        assert webhooks.deliver_due(lambda: later, settings).delivered == 1
        assert webhooks.deliver_due(lambda: later + timedelta(hours=1), settings).handled == 0
    assert len(back.received) == 1
    assert db.session.scalar(select(WebhookDelivery.state)) == "delivered"


def test_an_endpoint_failing_again_and_again_is_disabled_and_admins_told(ctx, make, settings):
    with Receiver(status=500).running() as receiver:
        endpoint, _secret = _endpoint(make, receiver.url, kinds=webhooks.TYPES)
        events = [
            webhooks.Event("confirmed", task_id=1, unit_id=None, assignment_id=None, data={})
            for _ in range(webhooks.DISABLE_AFTER + 3)
        ]
        webhooks.enqueue(events, now=NOW)
        db.session.commit()
        report = webhooks.deliver_due(lambda: NOW, settings)
    assert report.retrying == webhooks.DISABLE_AFTER
    assert len(receiver.received) == webhooks.DISABLE_AFTER  # none after it was disabled
    assert endpoint.active is False and endpoint.disabled_at == NOW
    told = db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "webhook")).all()
    assert [e.to for e in told] == ["admin@example.org"]
    assert receiver.url in told[0].body_text


def test_a_change_that_rolls_back_tells_nobody(ctx, make, settings):
    _endpoint(make, "http://127.0.0.1:9/never", kinds=webhooks.TYPES)
    db.session.commit()
    webhooks.enqueue([webhooks.Event("assigned", 1, None, None, {})], now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_only_listening_endpoints_get_an_event(ctx, make, settings):
    _endpoint(make, "http://127.0.0.1:9/a", kinds=("assignment.returned",))
    webhooks.create_endpoint(
        db.session.scalar(select(User).where(User.role == "admin")),
        url="http://127.0.0.1:9/b", kinds=["task.changed"], description="", now=NOW,
    )  # fmt: skip
    _returned(make)
    urls = db.session.scalars(
        select(WebhookEndpoint.url).join(
            WebhookDelivery, WebhookDelivery.endpoint_id == WebhookEndpoint.id
        )
    ).all()
    assert urls == ["http://127.0.0.1:9/a"]


def test_the_senders_pass_delivers_webhooks_beside_email(app, ctx, make, settings):
    from tracker import clock, scheduler

    with Receiver().running() as receiver:
        _endpoint(make, receiver.url)
        _returned(make)
        # Due by the app's clock (the test app's day, this hour), which the pass reads.
        db.session.execute(update(WebhookDelivery).values(next_attempt_at=clock.now()))
        db.session.commit()
        report = scheduler.send_pass(app)
    assert report.webhooks == 1 and not report.idle
    assert len(receiver.received) == 1


def test_the_readmes_receiver_check_accepts_ours_and_refuses_the_rest(
    ctx, make, settings, monkeypatch
):
    """The check the README gives receivers, run as written there."""
    import time
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    snippet = re.search(r"^def genuine\(.*?(?=^```)", readme, re.M | re.S).group(0)
    namespace: dict = {}
    exec("import hashlib, hmac, time\n" + snippet, namespace)
    genuine = namespace["genuine"]

    with Receiver().running() as receiver:
        _endpoint_and_secret = _endpoint(make, receiver.url)
        _returned(make)
        webhooks.deliver_due(lambda: NOW, settings)
    [(headers, body)] = receiver.received
    secret = _endpoint_and_secret[1]
    monkeypatch.setattr(time, "time", lambda: NOW.timestamp() + 60)
    assert genuine(secret, headers["X-Tracker-Signature"], body)
    assert not genuine(secret, headers["X-Tracker-Signature"], body + b" ")
    assert not genuine("whsec_wrong", headers["X-Tracker-Signature"], body)
    monkeypatch.setattr(time, "time", lambda: NOW.timestamp() + 301)
    assert not genuine(secret, headers["X-Tracker-Signature"], body)
