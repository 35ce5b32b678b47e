"""An assignment's events in words: what happened, and the detail worth a line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from tracker import i18n
from tracker.labels import EVENT_KIND
from tracker.models import Event


@dataclass
class Item:
    event: Event
    label: str
    detail: str


def _day(value: str | None) -> str:
    return i18n.format_day(date.fromisoformat(value)) if value else _("none")


def _detail(event: Event) -> str:
    data = event.data or {}
    try:
        if event.kind in ("transferred_out", "transferred_in"):
            return _transfer_detail(event.kind, data)
        if event.kind == "merge_review":
            return _("Still open at: %(units)s", units=data.get("units", ""))
        if event.kind == "due_changed":
            return _("%(old)s → %(new)s", old=_day(data.get("old")), new=_day(data.get("new")))
        if event.kind in ("extension_requested", "extension_approved", "extension_rejected"):
            return _("New date requested: %(day)s", day=_day(data.get("requested")))
        if event.kind == "evidence_added" and data.get("files"):
            return _("Files: %(names)s", names=", ".join(data["files"]))
    except (TypeError, ValueError):
        return ""
    return ""


def _transfer_detail(kind: str, data: dict) -> str:
    unit = data.get("other_unit") or ""
    if kind == "transferred_out":
        if data.get("merged"):
            return _("Merged into the assignment of %(unit)s for the same task", unit=unit)
        return _("Passed to %(unit)s", unit=unit)
    if data.get("merged"):
        return _("Merged in from %(unit)s", unit=unit)
    return _("Taken over from %(unit)s", unit=unit)


def items(timeline: list[Event]) -> list[Item]:
    """Return the events with their kind in words and a one-line detail."""
    return [Item(e, str(EVENT_KIND.get(e.kind, e.kind)), _detail(e)) for e in timeline]
