"""Per-request facts every view needs: who may see what, as of which day, which page."""

from __future__ import annotations

from flask import request

from tracker import clock, settings
from tracker.auth import visible_unit_id
from tracker.services.calendar import load_calendar
from tracker.services.days_off import load_rule
from tracker.services.status_sql import AsOf
from tracker.views.page_cache import data_version


def as_of() -> AsOf:
    """Return today's as-of, with the configured due-soon window."""
    version = data_version()
    calendar = load_calendar(version)
    rule = load_rule(day_off_rolls(), version)
    return AsOf.build(clock.today(), calendar, due_soon_days(), rule=rule)


def due_soon_days() -> int:
    """Return how many working days before its due date an assignment is due soon."""
    return settings.current().due_soon_days


def day_off_rolls() -> bool:
    """Return whether deadlines on a day off end on the next working day by default."""
    return settings.current().day_off_rolls


def unit_scope() -> int | None:
    """Return the one unit the signed-in user may see, or None when they see every unit."""
    return visible_unit_id()


def page_number() -> int:
    """Return the requested page (1 for anything that is not a positive number)."""
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and int(page) > 0 else 1


def per_page() -> int:
    """Return how many rows a list page shows."""
    return settings.current().per_page
