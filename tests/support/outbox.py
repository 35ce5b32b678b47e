"""Delivering what a test queued in the outbox to the app's SMTP server (the test's
``smtp_server``), as the sender does in production."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from tracker.extensions import db
from tracker.mail import SmtpSettings
from tracker.models import EmailMessage
from tracker.services.outbox import sender
from tracker.settings import Settings


def point_at(app: Flask, server) -> Flask:
    """Send the app's mail to the test SMTP server ``server``; return the app."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    return app


def deliver(app: Flask, now: datetime | None = None) -> sender.SendReport:
    """Deliver every due email of the outbox to the app's configured SMTP server, the clock
    reading ``now`` (by default the real time, after anything a test queued)."""
    moment = now or datetime.now(UTC)
    with app.app_context():
        settings = Settings.from_config(app.config, app.instance_path)
        return sender.deliver(lambda: moment, settings, SmtpSettings.from_config(app.config))


def queued(app: Flask, **where) -> list[EmailMessage]:
    """Return the outbox's rows (optionally filtered by column values), oldest first."""
    with app.app_context():
        query = select(EmailMessage).filter_by(**where).order_by(EmailMessage.id)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows
