"""Calendar feeds: secret, revocable iCal addresses of a unit's or a user's deadlines.

One feed is active per unit and per user: creating a new one ("reset address") revokes the
previous one, so a leaked address is closed by making a new one. The feed itself is built
by ``tracker.services.feeds.ics``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from tracker import mail
from tracker.domain.localtime import local_date
from tracker.extensions import db
from tracker.models import CalendarFeed, Role, Unit, User
from tracker.services import events
from tracker.services.access import NOT_FOUND, can_see_unit
from tracker.services.errors import NotAllowed, NotFound, ServiceError
from tracker.services.feeds import ics
from tracker.settings import Settings

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, within the column's 64
MAX_TOKEN_LENGTH = 64
# A fetch is noted at most this often: calendar clients poll, and a write per poll costs.
FETCH_NOTE_INTERVAL = timedelta(minutes=5)


def can_manage_unit_feed(user: User, unit_id: int) -> bool:
    """Return whether ``user`` may see, create and revoke the unit's feed address."""
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    return user.role == Role.FOCAL_POINT and user.unit_id == unit_id


def _check_unit(actor: User, unit_id: int, *, lock: bool = False) -> Unit:
    """Return the unit if ``actor`` may manage its feed; NotFound / NotAllowed otherwise.

    ``lock`` takes the unit's row lock (PostgreSQL) so that two simultaneous resets cannot
    both leave an active feed; SQLite serialises writers anyway.
    """
    if not can_see_unit(actor, unit_id):
        raise NotFound(NOT_FOUND)
    unit = db.session.get(Unit, unit_id, with_for_update=lock or None)
    if unit is None:
        raise NotFound(NOT_FOUND)
    if not can_manage_unit_feed(actor, unit_id):
        raise NotAllowed(_l("You do not have permission to do this."))
    return unit


def _owned_by(unit_id: int | None, user_id: int | None):
    """Return the condition selecting the unit's feeds, or else the user's."""
    if unit_id is not None:
        return CalendarFeed.unit_id == unit_id
    return CalendarFeed.user_id == user_id


def _active(*, unit_id: int | None = None, user_id: int | None = None) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed)
        .where(_owned_by(unit_id, user_id), CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at.desc(), CalendarFeed.id.desc())
        .limit(1)
    )


def unit_feed(unit_id: int, *, actor: User) -> CalendarFeed | None:
    """Return the unit's active feed if ``actor`` may manage it (None otherwise or if none)."""
    if not can_manage_unit_feed(actor, unit_id):
        return None
    return _active(unit_id=unit_id)


def user_feed(user: User) -> CalendarFeed | None:
    """Return the user's own active feed, or None."""
    return _active(user_id=user.id)


@dataclass(frozen=True)
class FeedCard:
    """What a feed's card shows: the active feed, if any, and its address."""

    feed: CalendarFeed | None
    address: str | None


def own_feed_card(user: User) -> FeedCard:
    """Return the card of the user's own feed (one query)."""
    feed = user_feed(user)
    return FeedCard(feed, feed_url(feed) if feed else None)


def _revoke_all(now: datetime, *, unit_id: int | None, user_id: int | None) -> list[int]:
    """Revoke every active feed of the unit or user; return their ids."""
    active = (_owned_by(unit_id, user_id), CalendarFeed.revoked_at.is_(None))
    ids = list(db.session.scalars(select(CalendarFeed.id).where(*active)))
    if ids:
        db.session.execute(
            update(CalendarFeed).where(CalendarFeed.id.in_(ids)).values(revoked_at=now),
            execution_options={"synchronize_session": "fetch"},
        )
    return ids


def create_feed(*, actor: User, now: datetime, unit_id: int | None = None) -> CalendarFeed:
    """Return a new active feed for the unit (``unit_id``) or for ``actor`` themself; any
    previous active feed of the same owner is revoked (events "feed_created", "feed_revoked").
    """
    if unit_id is not None:
        _check_unit(actor, unit_id, lock=True)
        user_id = None
    else:
        db.session.get(User, actor.id, with_for_update=True)
        user_id = actor.id
    replaced = _revoke_all(now, unit_id=unit_id, user_id=user_id)
    feed = CalendarFeed(
        token=secrets.token_urlsafe(TOKEN_BYTES),
        unit_id=unit_id,
        user_id=user_id,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(feed)
    db.session.flush()
    for old in replaced:
        events.record("feed_revoked", actor=actor, now=now, unit_id=unit_id, target=f"feed:{old}")
    events.record(
        "feed_created",
        actor=actor,
        now=now,
        unit_id=unit_id,
        target=f"feed:{feed.id}",
        data={"scope": "unit" if unit_id is not None else "user", "replaced": replaced},
    )
    db.session.commit()
    return feed


def revoke_feed(*, actor: User, now: datetime, unit_id: int | None = None) -> None:
    """Revoke the active feed of the unit (``unit_id``) or of ``actor`` (event
    "feed_revoked"); refuses, changing nothing, when there is none."""
    if unit_id is not None:
        _check_unit(actor, unit_id, lock=True)
    revoked = _revoke_all(now, unit_id=unit_id, user_id=None if unit_id is not None else actor.id)
    if not revoked:
        db.session.rollback()
        raise ServiceError(_l("There is no calendar feed address to revoke."))
    for old in revoked:
        events.record("feed_revoked", actor=actor, now=now, unit_id=unit_id, target=f"feed:{old}")
    db.session.commit()


def find_active(token: str) -> CalendarFeed | None:
    """Return the active feed with this token (its unit and user loaded), else None.

    A revoked token, an unknown one and one of a deactivated user all answer None alike.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    feed = db.session.scalar(
        select(CalendarFeed)
        .options(joinedload(CalendarFeed.unit), joinedload(CalendarFeed.user).joinedload(User.unit))
        .where(CalendarFeed.token == token, CalendarFeed.revoked_at.is_(None))
    )
    if feed is None or (feed.user is not None and not feed.user.active):
        return None
    return feed


def note_fetch(feed: CalendarFeed, now: datetime) -> None:
    """Record that the feed was fetched at ``now``; writes at most once per interval."""
    last = feed.last_fetched_at
    if last is not None and now - last < FETCH_NOTE_INTERVAL:
        return
    db.session.execute(
        update(CalendarFeed)
        .where(
            CalendarFeed.id == feed.id,
            or_(
                CalendarFeed.last_fetched_at.is_(None),
                CalendarFeed.last_fetched_at < now - FETCH_NOTE_INTERVAL,
            ),
        )
        .values(last_fetched_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def feed_url(feed: CalendarFeed) -> str:
    """Return the feed's absolute address under the configured BASE_URL."""
    return mail.link("feeds.feed", token=feed.token)


def render_feed(feed: CalendarFeed, today: date, settings: Settings) -> bytes:
    """Return the feed's iCalendar document as of ``today`` (see ``ics.render``)."""
    return ics.render(feed, today, settings)


def serve_feed(token: str, now: datetime, settings: Settings) -> bytes | None:
    """Return the iCalendar document of the active feed with this token as of ``now``,
    noting the fetch; None for an unknown, revoked or deactivated user's token."""
    feed = find_active(token)
    if feed is None:
        return None
    body = render_feed(feed, local_date(now, settings.zone), settings)
    note_fetch(feed, now)
    return body
