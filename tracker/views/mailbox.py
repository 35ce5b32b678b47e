"""The mailbox of the embedded mode: what ``tracker mailcatcher`` kept instead of sending."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup, escape

from tracker import mailcatcher
from tracker.auth import roles_required
from tracker.models import Role

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")

# An http(s) address, without the punctuation that ends a sentence after it.
_URL = re.compile(r"https?://[^\s<>\"']+?(?=[.,;:!?)\]]*(?:[\s<>\"']|$))")


@dataclass(frozen=True)
class Shown:
    """One kept message as the page shows it."""

    subject: str
    to: str
    cc: str
    sent: datetime | None
    body: Markup  # the plain text, escaped, with its addresses as links


def linked(text: str) -> Markup:
    """Return ``text`` escaped, each http(s) address in it a link opening a new tab."""
    parts, start = [], 0
    for found in _URL.finditer(text):
        url = escape(found.group(0))
        parts += [escape(text[start : found.start()])]
        parts += [
            Markup('<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>').format(url)
        ]
        start = found.end()
    parts.append(escape(text[start:]))
    return Markup("").join(parts)


def shown(message: EmailMessage) -> Shown:
    try:
        sent = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        sent = None
    body = (message.get_body(preferencelist=("plain",)) or message).get_content()
    return Shown(
        str(message["Subject"] or ""),
        str(message["To"] or ""),
        str(message["Cc"] or ""),
        sent,
        linked(body if isinstance(body, str) else ""),
    )


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    directory = current_app.config.get("MAIL_CATCHER_DIR")
    if not directory:
        abort(404)
    messages = [(key, shown(m)) for key, m in mailcatcher.read(Path(directory))]
    return render_template("mailbox/index.html", messages=messages, directory=directory)
