"""Status colours as hex values, for pictures and files that cannot use the page's CSS.

The colour of each time status is the Bootstrap theme colour the pages give it
(``helpers.TIME_STATUS``); charts (SVG) and spreadsheets (XLSX) look it up here so the
three always agree.
"""

from __future__ import annotations

from tracker.domain.status import AssignmentState, TimeStatus
from tracker.views.helpers import STATE, TIME_STATUS

# Bootstrap 5.3 theme colours (what Bootstrap-Flask serves), and the text colour its
# ``text-bg-*`` classes put on each so labels stay readable.
THEME = {
    "primary": "#0d6efd",
    "secondary": "#6c757d",
    "success": "#198754",
    "info": "#0dcaf0",
    "warning": "#ffc107",
    "danger": "#dc3545",
    "light": "#f8f9fa",
    "dark": "#212529",
}
TEXT_ON = {
    "primary": "#ffffff",
    "secondary": "#ffffff",
    "success": "#ffffff",
    "info": "#000000",
    "warning": "#000000",
    "danger": "#ffffff",
    "light": "#000000",
    "dark": "#ffffff",
}
TRACK = "#e9ecef"  # the empty part of a bar, as .stacked in app.css
INK = "#212529"  # body text
MUTED = "#6c757d"

# The pages show workflow states as plain words; files colour them to match the time
# status a state usually goes with (submitted = awaiting confirmation, as the bucket card).
STATE_COLOUR = {
    AssignmentState.ASSIGNED: "light",
    AssignmentState.IN_PROGRESS: "secondary",
    AssignmentState.SUBMITTED: "warning",
    AssignmentState.COMPLETED: "primary",
    AssignmentState.NOT_APPLICABLE: "light",
}


def status_colour(status: TimeStatus | str) -> str:
    """Return the Bootstrap colour name the pages give a time status ("secondary" if none)."""
    entry = TIME_STATUS.get(status)  # type: ignore[call-overload]
    return entry[1] if entry else "secondary"


def status_style(value: TimeStatus | AssignmentState | str) -> tuple[str, str]:
    """Return (translated label, Bootstrap colour name) for a time status or a workflow
    state; a plain string is read as a time status first, then as a state.

    Unknown values come back as themselves in grey, never as an error.
    """
    if not isinstance(value, AssignmentState) and value in TIME_STATUS:
        label, colour = TIME_STATUS[value]  # type: ignore[index]
        return str(label), colour
    if value in STATE:
        return str(STATE[value]), STATE_COLOUR.get(value, "light")  # type: ignore[index, call-overload]
    return str(value), "light"
