"""Report wording shared by pages and exports."""

from __future__ import annotations

from flask_babel import gettext as _

from tracker.domain.reports import TaskFigures
from tracker.services.narrative import completion_split


def group_split_text(task: TaskFigures) -> str:
    """Return the task's completion by group in words, capitalised as a table cell."""
    text = completion_split(task)
    return text[:1].upper() + text[1:]


def ageing_label(band: str) -> str:
    """Return an ageing band ("1-7", "90+") in words."""
    if band.endswith("+"):
        return _("over %(days)s days", days=int(band[:-1]))
    first, last = band.split("-")
    return _("%(first)s–%(last)s days", first=first, last=last)
