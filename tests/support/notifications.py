"""Helpers of the notification tests: delivering the outbox to the test SMTP server, and
reading what arrived."""

from __future__ import annotations

from datetime import datetime

from tracker.mail import SmtpSettings
from tracker.services.outbox import sender


def deliver(app, smtp_server, settings, when: datetime):
    """Deliver every due outbox row to ``smtp_server`` as the sender would at ``when``."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return sender.deliver(lambda: when, settings, SmtpSettings.from_config(app.config))


def text_of(message) -> str:
    """Return the plain-text body of a parsed message."""
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    """Return the HTML body of a parsed message."""
    return message.get_body(("html",)).get_content()
