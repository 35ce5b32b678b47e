"""Password reset by emailed link: queued with its token, single use, expiring, stored only as
a hash."""

from __future__ import annotations

import hashlib
import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from support.outbox import deliver

from tracker.extensions import db
from tracker.models import EmailMessage, Event, PasswordReset, User
from tracker.services import accounts
from tracker.services.errors import ServiceError

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def smtp(ctx, smtp_server):
    ctx.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, BASE_URL="https://cds.example.vn"
    )
    smtp_server.app = ctx
    return smtp_server


def _token_from(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https://cds\.example\.vn/password/reset/(\S+)", body).group(1)


def _request(make, smtp, settings, **user_fields):
    user = make.user("focal_point", email="fp@example.org", language="en", **user_fields)
    db.session.commit()
    accounts.request_password_reset("  FP@example.org ", now=NOW, settings=settings)
    deliver(smtp.app)
    return user, _token_from(smtp.messages[-1])


def test_a_request_queues_a_link_and_stores_only_the_tokens_hash(make, smtp, settings):
    user = make.user("focal_point", email="fp@example.org", language="en")
    db.session.commit()
    accounts.request_password_reset("  FP@example.org ", now=NOW, settings=settings)
    # Queued with the token, in the same transaction; nothing sent inside the request.
    assert smtp.messages == []
    email = db.session.scalars(select(EmailMessage)).one()
    assert (email.kind, email.to, email.state, email.user_id) == (
        "password_reset",
        "fp@example.org",
        "pending",
        user.id,
    )
    deliver(smtp.app)
    token = _token_from(smtp.messages[-1])
    (message,) = smtp.messages
    assert message["To"].addresses[0].addr_spec == "fp@example.org"
    assert message["Subject"].endswith("Reset your password")
    reset = db.session.scalars(select(PasswordReset)).one()
    assert reset.user_id == user.id
    assert reset.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in reset.token_hash
    assert reset.expires_at == NOW + timedelta(hours=2)
    event = db.session.scalars(select(Event)).one()
    assert (event.kind, event.actor_id, event.target) == (
        "password_reset_requested",
        user.id,
        f"user:{user.id}",
    )
    assert event.data["email_id"] == email.id


@pytest.mark.parametrize("email", ["nobody@example.org", "gone@example.org", ""])
def test_unknown_or_inactive_addresses_get_nothing_and_leave_no_trace(make, smtp, email, settings):
    make.user("viewer", email="gone@example.org", active=False)
    db.session.commit()
    assert accounts.request_password_reset(email, now=NOW, settings=settings) is None
    assert deliver(smtp.app).sent == 0
    assert smtp.messages == []
    assert db.session.scalars(select(EmailMessage)).all() == []
    assert db.session.scalars(select(PasswordReset)).all() == []
    assert db.session.scalars(select(Event)).all() == []


def test_the_link_sets_the_password_once_and_ends_every_session(make, smtp, settings):
    user, token = _request(make, smtp, settings)
    older_token = user.session_token
    # A second, unused link.
    accounts.request_password_reset("fp@example.org", now=NOW, settings=settings)
    deliver(smtp.app)
    second = _token_from(smtp.messages[-1])
    later = NOW + timedelta(minutes=30)

    assert accounts.check_reset_token(token, now=later).id == user.id
    accounts.reset_password(token, "a brand new secret", now=later, method=settings.password_method)

    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (
        accounts.authenticate(
            "fp@example.org", "a brand new secret", now=later, method=settings.password_method
        )
        is not None
    )
    assert (
        accounts.authenticate(
            "fp@example.org", "secret-pass", now=later, method=settings.password_method
        )
        is None
    )
    assert user.session_token != older_token
    assert user.password_changed_at == later
    with pytest.raises(ServiceError, match="already been used"):
        accounts.reset_password(
            token, "another new secret", now=later, method=settings.password_method
        )
    with pytest.raises(ServiceError, match="already been used"):
        accounts.check_reset_token(second, now=later)
    kinds = db.session.scalars(select(Event.kind).order_by(Event.id)).all()
    assert kinds == ["password_reset_requested", "password_reset_requested", "password_reset"]


@pytest.mark.parametrize(
    ("after", "usable"),
    [
        (timedelta(hours=1, minutes=59), True),
        (timedelta(hours=2), False),
        (timedelta(days=3), False),
    ],
)
def test_a_link_expires_after_the_configured_hours(make, smtp, after, usable, settings):
    _user, token = _request(make, smtp, settings)
    if usable:
        accounts.reset_password(
            token, "a brand new secret", now=NOW + after, method=settings.password_method
        )
    else:
        with pytest.raises(ServiceError, match="expired"):
            accounts.reset_password(
                token, "a brand new secret", now=NOW + after, method=settings.password_method
            )
        assert (
            accounts.authenticate(
                "fp@example.org", "secret-pass", now=NOW, method=settings.password_method
            )
            is not None
        )


def test_an_unknown_token_is_refused(make, smtp, settings):
    _request(make, smtp, settings)
    with pytest.raises(ServiceError, match="not valid"):
        accounts.reset_password(
            "made-up-token", "a brand new secret", now=NOW, method=settings.password_method
        )


def test_a_short_password_changes_nothing_and_keeps_the_link_usable(make, smtp, settings):
    user, token = _request(make, smtp, settings)
    session_token = user.session_token
    with pytest.raises(ServiceError, match="at least 10"):
        accounts.reset_password(token, "short", now=NOW, method=settings.password_method)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_token == session_token
    accounts.reset_password(token, "long enough now", now=NOW, method=settings.password_method)


def test_a_deactivated_users_link_no_longer_works(make, smtp, settings):
    user, token = _request(make, smtp, settings)
    user.active = False
    db.session.commit()
    with pytest.raises(ServiceError, match="not valid"):
        accounts.reset_password(
            token, "a brand new secret", now=NOW, method=settings.password_method
        )


def test_a_mail_server_down_changes_nothing_for_the_request(make, ctx, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=probe.getsockname()[1])
    make.user("viewer", email="v@example.org")
    db.session.commit()
    accounts.request_password_reset("v@example.org", now=NOW, settings=settings)
    report = deliver(ctx)
    assert (report.sent, report.unreachable) == (0, 1)
    db.session.expire_all()
    email = db.session.scalars(select(EmailMessage)).one()
    assert email.state == "pending" and email.error  # the sender tries again later
    assert db.session.scalars(select(Event)).one().data["email_id"] == email.id
    assert db.session.scalars(select(PasswordReset)).one().used_at is None


def test_changing_the_password_needs_the_current_one_and_voids_pending_links(make, smtp, settings):
    user, token = _request(make, smtp, settings)
    old_session = user.session_token
    with pytest.raises(ServiceError, match="not correct"):
        accounts.change_password(
            user, "wrong", "a brand new secret", now=NOW, method=settings.password_method
        )
    with pytest.raises(ServiceError, match="differ"):
        accounts.change_password(
            user, "secret-pass", "secret-pass", now=NOW, method=settings.password_method
        )
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.session_token == old_session
    accounts.change_password(
        user, "secret-pass", "a brand new secret", now=NOW, method=settings.password_method
    )
    assert user.session_token != old_session
    with pytest.raises(ServiceError, match="already been used"):
        accounts.check_reset_token(token, now=NOW)
    assert db.session.scalars(select(Event.kind).order_by(Event.id.desc())).first() == (
        "password_changed"
    )
