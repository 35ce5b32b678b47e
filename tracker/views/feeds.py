"""Calendar feeds: the public .ics address, and the buttons that create, reset and revoke it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock, settings
from tracker.forms.base import Form
from tracker.services.errors import NotAllowed, NotFound, ServiceError
from tracker.services.feeds import addresses as feeds

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

# Calendar clients poll; a quarter of an hour spares the database without hiding changes long.
CACHE_SECONDS = 15 * 60


class FeedActionForm(Form):
    """A create, reset or revoke button: CSRF protection only."""


@bp.get("/<token>.ics")
def feed(token: str):
    """Public (calendar clients cannot sign in): the secret token is the credential."""
    body = feeds.serve_feed(token, clock.now(), settings.current())
    if body is None:
        # Plain and identical for unknown and revoked addresses: no page, session or cookie
        # for a calendar client that keeps polling an address that no longer works.
        return Response("404 Not Found\n", status=404, content_type="text/plain; charset=utf-8")
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    # The address is the secret: never pass it on as a referrer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _run(action, done_message, back: str):
    """Run a CSRF-checked feed action; flash its outcome and go back to ``back``."""
    if not FeedActionForm().validate_on_submit():
        abort(400)
    try:
        action()
    except (NotFound, NotAllowed):
        raise
    except ServiceError as error:
        flash(error.message, "warning")
    else:
        flash(done_message, "success")
    return redirect(back)


CREATED = _l("A new calendar feed address has been created. Any previous address no longer works.")
REVOKED = _l("The calendar feed address has been revoked: calendars using it stop updating.")


@bp.post("/units/<int:unit_id>")
def create_unit_feed(unit_id: int):
    return _run(
        lambda: feeds.create_feed(actor=current_user, now=clock.now(), unit_id=unit_id),
        CREATED,
        url_for("units.detail", unit_id=unit_id) + "#calendar-feed",
    )


@bp.post("/units/<int:unit_id>/revoke")
def revoke_unit_feed(unit_id: int):
    return _run(
        lambda: feeds.revoke_feed(actor=current_user, now=clock.now(), unit_id=unit_id),
        REVOKED,
        url_for("units.detail", unit_id=unit_id) + "#calendar-feed",
    )


@bp.post("/mine")
def create_own_feed():
    return _run(
        lambda: feeds.create_feed(actor=current_user, now=clock.now()),
        CREATED,
        url_for("account.index") + "#calendar-feed",
    )


@bp.post("/mine/revoke")
def revoke_own_feed():
    return _run(
        lambda: feeds.revoke_feed(actor=current_user, now=clock.now()),
        REVOKED,
        url_for("account.index") + "#calendar-feed",
    )
