"""Queueing composed letters in the outbox, in the caller's transaction (never committed
here): the change that causes an email and the email itself commit together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert

from tracker import mail
from tracker.extensions import db
from tracker.mail import Letter
from tracker.models import EmailMessage
from tracker.models.reminders import PENDING
from tracker.settings import Settings

PREFERENCES_PATH = "/account/notifications"


def rows(letters: Sequence[Letter], *, now: datetime, settings: Settings) -> list[dict]:
    """Return the outbox rows of ``letters``: each with its own ``Message-ID``, the sender,
    and the headers every email carries, due at once."""
    headers = mail.list_headers(
        settings.site_name,
        settings.mail_sender,
        settings.base_url.rstrip("/") + PREFERENCES_PATH,
    )
    return [
        {
            "kind": letter.kind,
            "message_id": mail.message_id(settings.mail_sender),
            "sender": settings.mail_sender,
            "to": letter.to.email,
            "to_name": letter.to.name or "",
            "cc": ", ".join(letter.cc),
            "subject": letter.subject[:500],
            "language": letter.to.language or settings.default_language,
            "headers": headers,
            "created_at": now,
            "next_attempt_at": now,
            "state": PENDING,
            "attempts": 0,
            "error": "",
            "reply": "",
            "unit_id": letter.unit_id,
            "user_id": letter.user_id,
            "body_text": letter.text,
            "body_html": letter.html,
        }
        for letter in letters
    ]


def queue(letters: Sequence[Letter], *, now: datetime, settings: Settings) -> list[int]:
    """Add ``letters`` to the outbox (one compiled statement for the whole batch, not
    committed) and return their ids, in order."""
    if not letters:
        return []
    # A Core insert of the table: the ORM's bulk insert splits the rows wherever unit_id or
    # user_id changes between a value and None, which made it one INSERT per email. Each
    # row's own Message-ID tells which id is whose.
    values = rows(letters, now=now, settings=settings)
    table = EmailMessage.__table__
    statement = insert(table).returning(table.c.message_id, table.c.id)
    ids = {message_id: id_ for message_id, id_ in db.session.execute(statement, values)}
    if len(ids) != len(values):
        raise RuntimeError("two outbox rows with one Message-ID")
    return [ids[row["message_id"]] for row in values]
