"""The programme office's accounts that most worlds share, each known by its email."""

from __future__ import annotations

from tracker.models import User

ADMIN = "admin@example.org"
COORDINATOR = "dp@example.org"
VIEWER = "ld@example.org"
OFFICE = {"admin": ADMIN, "coordinator": COORDINATOR, "viewer": VIEWER}


def office(make, *roles: str, **fields) -> list[User]:
    """Return the office's accounts for ``roles``, made in that order: the admin
    admin@example.org, the coordinator dp@example.org, the viewer ld@example.org.
    ``fields`` (e.g. ``language="en"``) apply to each."""
    return [make.user(role, email=OFFICE[role], **fields) for role in roles]
