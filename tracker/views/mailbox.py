"""The mailbox of the embedded mode: what ``tracker mailcatcher`` kept instead of sending."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

from tracker import mailcatcher
from tracker.auth import roles_required
from tracker.models import Role

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    directory = current_app.config.get("MAIL_CATCHER_DIR")
    if not directory:
        abort(404)
    messages = mailcatcher.read(Path(directory))
    return render_template("mailbox/index.html", messages=messages, directory=directory)
