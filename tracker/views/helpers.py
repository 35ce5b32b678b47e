"""Template filters and globals: dates, numbers, status words and colours."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tracker import i18n
from tracker.domain.status import AssignmentState, TimeStatus
from tracker.models import AssignmentRole, Field, Role, UnitGroup, UnitKind

# Status words are shown beside the colour: never colour alone.
TIME_STATUS = {
    TimeStatus.ON_TRACK: (_l("Within deadline"), "success"),
    TimeStatus.DUE_SOON: (_l("Due soon"), "warning"),
    TimeStatus.OVERDUE: (_l("Overdue"), "danger"),
    TimeStatus.NO_DEADLINE: (_l("No deadline"), "secondary"),
    TimeStatus.COMPLETED_ON_TIME: (_l("Completed on time"), "primary"),
    TimeStatus.COMPLETED_LATE: (_l("Completed late"), "info"),
    TimeStatus.NOT_APPLICABLE: (_l("Not applicable"), "light"),
    TimeStatus.TRANSFERRED: (_l("Transferred to the successor unit"), "light"),
}

STATE = {
    AssignmentState.ASSIGNED: _l("Not started"),
    AssignmentState.IN_PROGRESS: _l("In progress"),
    AssignmentState.SUBMITTED: _l("Awaiting confirmation"),
    AssignmentState.COMPLETED: _l("Completed"),
    AssignmentState.NOT_APPLICABLE: _l("Not applicable"),
    AssignmentState.TRANSFERRED: _l("Transferred to the successor unit"),
}

FIELD = {
    Field.INSTITUTIONS: _l("Institutions"),
    Field.DATA: _l("Digital data"),
    Field.INFRASTRUCTURE: _l("Digital infrastructure"),
    Field.GOVERNMENT: _l("Digital government"),
    Field.ECONOMY: _l("Digital economy"),
    Field.SOCIETY: _l("Digital society"),
    Field.SECURITY: _l("Information security"),
}

GROUP = {
    UnitGroup.CENTRAL: _l("Ministries and agencies"),
    UnitGroup.LOCAL: _l("Provinces"),
}

KIND = {
    UnitKind.MINISTRY: _l("Ministry"),
    UnitKind.MINISTRY_LEVEL: _l("Ministry-level agency"),
    UnitKind.GOVERNMENT_AGENCY: _l("Government agency"),
    UnitKind.PROVINCE: _l("Province"),
    UnitKind.CITY: _l("Centrally-run city"),
    UnitKind.OTHER: _l("Other"),
}

ROLE = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.FOCAL_POINT: _l("Focal point"),
    Role.VIEWER: _l("Viewer"),
}

ASSIGNMENT_ROLE = {
    AssignmentRole.LEAD: _l("Lead"),
    AssignmentRole.SUPPORT: _l("Support"),
}


def reminder_stage(stage: str) -> str:
    """Return a reminder stage key ("before-3", "overdue-6", ...) in words."""
    kind, _sep, number = stage.partition("-")
    if kind == "before":
        return ngettext(
            "%(num)s working day before the due date",
            "%(num)s working days before the due date",
            int(number),
        )
    if kind == "overdue":
        return ngettext("%(num)s working day overdue", "%(num)s working days overdue", int(number))
    return str(REMINDER_STAGE.get(kind, stage))


REMINDER_STAGE = {
    "due": _l("On the due day"),
    "escalation": _l("Escalation to the unit head"),
    "returned": _l("Returned for rework"),
    "nudge": _l("Reminder sent by a coordinator"),
    "digest": _l("Coordinator's daily digest"),
}


def url_with(**changes) -> str:
    """Return the current page's URL with some query arguments changed (None drops one),
    keeping every other filter, repeated ones included."""
    values = request.args.to_dict(flat=False)
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return url_for(request.endpoint, **(request.view_args or {}), **values)


def page_url(page: int) -> str:
    """Return the current URL with ``page`` replaced, keeping every filter."""
    return url_with(page=page)


def init_app(app: Flask) -> None:
    from tracker.views.list_exports import buttons

    app.add_template_global(buttons, "export_buttons")
    app.add_template_filter(i18n.format_day, "day")
    app.add_template_filter(i18n.format_moment, "moment")
    app.add_template_filter(i18n.format_number, "number")
    app.add_template_filter(i18n.format_rate, "rate")
    app.add_template_global(page_url, "page_url")
    app.add_template_global(url_with, "url_with")
    app.add_template_global(reminder_stage, "reminder_stage")
    app.add_template_global(i18n.language, "current_language")

    # Globals (not a context processor) so that imported macros see them too.
    app.jinja_env.globals.update(
        TIME_STATUS=TIME_STATUS,
        STATE_LABEL=STATE,
        FIELD_LABEL=FIELD,
        GROUP_LABEL=GROUP,
        KIND_LABEL=KIND,
        ROLE_LABEL=ROLE,
        ASSIGNMENT_ROLE_LABEL=ASSIGNMENT_ROLE,
    )
