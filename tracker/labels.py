"""The words and colours every layer shows: states, time statuses, groups, kinds, fields,
roles, reminder stages, event kinds; the palette pictures and files use; the messages of
the domain's refusals. Pages, charts, exports, emails, forms and services read them here,
so a state is called and coloured the same everywhere.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tracker import i18n
from tracker.domain.aggregate import Buckets
from tracker.domain.deadlines import ACCEPTED_FORMS, DayError, DeadlineError
from tracker.domain.status import AssignmentState, TimeStatus
from tracker.i18n import format_day, format_number, format_rate
from tracker.models import AssignmentRole, Field, Role, UnitGroup, UnitKind
from tracker.models.reminders import CANCELLED, FAILED, PENDING, SENDING, SENT


def unit_name(unit, language: str | None = None) -> str:
    """Return the name of a unit (a row, or a report's ``UnitRef``) in ``language`` (the
    active one by default): its English name in English when it has one, else its official
    Vietnamese name."""
    english = getattr(unit, "name_en", None)
    return english if english and (language or i18n.language()) == "en" else unit.name


# Status words are shown beside the colour: never colour alone.
TIME_STATUS = {
    TimeStatus.ON_TRACK: (_l("Within deadline"), "open"),
    TimeStatus.DUE_SOON: (_l("Due soon"), "open"),
    TimeStatus.OVERDUE: (_l("Overdue"), "overdue"),
    TimeStatus.NO_DEADLINE: (_l("No deadline"), "none"),
    TimeStatus.COMPLETED_ON_TIME: (_l("Completed on time"), "done"),
    TimeStatus.COMPLETED_LATE: (_l("Completed late"), "late"),
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


# An email's state in the outbox, and its colour: the email log, its detail and the
# Reminders status page use these.
EMAIL_STATE = {
    PENDING: (_l("Waiting to be sent"), "secondary"),
    SENDING: (_l("Being sent"), "info"),
    SENT: (_l("Sent"), "success"),
    FAILED: (_l("Failed"), "danger"),
    CANCELLED: (_l("Cancelled"), "light"),
}

# A reminder ledger row's state: queued with its email, then as the email went.
LEDGER_STATE = {
    "queued": (_l("Queued"), "secondary"),
    "sent": (_l("Sent"), "success"),
    "failed": (_l("Failed"), "danger"),
    "cancelled": (_l("No longer applied"), "light"),
}


def email_state(state: str) -> tuple[str, str]:
    """Return (translated label, Bootstrap colour name) of an outbox state; an unknown
    one comes back as itself in grey."""
    label, colour = EMAIL_STATE.get(state, (state, "light"))
    return str(label), colour


# Every kind of recorded event in words: an assignment's timeline and the audit log share
# this table; an unknown kind is shown as recorded.
EVENT_KIND = {
    # tasks and assignments
    "task_created": _l("Task created"),
    "task_updated": _l("Task changed"),
    "task_closed": _l("Task closed"),
    "task_reopened": _l("Task reopened"),
    "series_created": _l("Recurring task created"),
    "series_updated": _l("Recurring task changed"),
    "series_paused": _l("Recurring task paused"),
    "series_resumed": _l("Recurring task resumed"),
    "occurrence_generated": _l("Period's task created"),
    "assigned": _l("Assigned"),
    "assignment_removed": _l("Assignment removed"),
    "state": _l("Status changed"),
    "started": _l("Work started"),
    "note": _l("Progress note"),
    "submitted": _l("Completion reported"),
    "evidence_added": _l("Evidence added"),
    "confirmed": _l("Completion confirmed"),
    "returned": _l("Returned for rework"),
    "not_applicable": _l("Marked not applicable"),
    "reopened": _l("Reopened"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_rejected": _l("Extension refused"),
    "due_changed": _l("Due date changed"),
    "nudged": _l("Reminded by a coordinator"),
    "policy_changed": _l("Reminder policy changed"),
    "transferred_out": _l("Transferred to the successor unit"),
    "transferred_in": _l("Taken over from a merged unit"),
    "merge_review": _l("Put back for review: a merged unit's obligation was still open"),
    # accounts
    "user_created": _l("Account created"),
    "user_updated": _l("Account changed"),
    "user_deactivated": _l("Account deactivated"),
    "user_reactivated": _l("Account reactivated"),
    "invitation_sent": _l("Link to choose a first password sent"),
    "password_reset_sent": _l("Password link sent by an administrator"),
    "password_reset_requested": _l("Password reset requested"),
    "password_reset": _l("Password reset through a link"),
    "password_changed": _l("Password changed"),
    "signed_in": _l("Signed in"),
    "sign_in_failed": _l("Sign-in refused"),
    "signed_out": _l("Signed out"),
    "sessions_ended": _l("Sessions signed out from My account"),
    "two_factor_enabled": _l("Two-factor sign-in turned on"),
    "two_factor_replaced": _l("Two-factor sign-in moved to another app"),
    "two_factor_disabled": _l("Two-factor sign-in turned off"),
    "two_factor_reset": _l("Two-factor sign-in reset by an administrator"),
    "recovery_codes_generated": _l("New recovery codes made"),
    "api_token_created": _l("API token created"),
    "webhook_created": _l("Webhook created"),
    "webhook_enabled": _l("Webhook enabled"),
    "webhook_disabled": _l("Webhook disabled"),
    "webhook_redelivered": _l("Webhook event sent again"),
    "api_token_revoked": _l("API token revoked"),
    "service_account_created": _l("Service account created"),
    "service_account_deactivated": _l("Service account switched off"),
    "service_account_activated": _l("Service account switched on"),
    "language_changed": _l("Language changed"),
    "notifications_changed": _l("Notification settings changed"),
    "feed_created": _l("Calendar feed address created"),
    "feed_revoked": _l("Calendar feed address revoked"),
    # units and calendar
    "unit_created": _l("Unit created"),
    "unit_updated": _l("Unit changed"),
    "unit_deactivated": _l("Unit deactivated"),
    "unit_reactivated": _l("Unit reactivated"),
    "units_merged": _l("Units merged"),
    "calendar_override_added": _l("Calendar day changed"),
    "calendar_override_deleted": _l("Calendar change removed"),
    # bulk changes
    "import": _l("Import from a file"),
    "import_queued": _l("Large file queued for import"),
    # the outbox
    "emails_retried": _l("Failed emails put back in the queue"),
}


# Names of the fields an event's data records changes of.
# What each webhook event type means, for the Administration → Webhooks page.
WEBHOOK_EVENT = {
    "assignment.assigned": _l("A task is assigned to a unit"),
    "task.created": _l("A task is created"),
    "task.changed": _l("A task is changed, closed or reopened"),
    "assignment.due_changed": _l("An assignment's due date changes"),
    "assignment.submitted": _l("A unit reports completion"),
    "assignment.confirmed": _l("A report is confirmed"),
    "assignment.returned": _l("A report is returned"),
    "assignment.overdue": _l("Assignments become overdue (each night, per task)"),
    "extension.requested": _l("A unit asks for an extension"),
    "extension.decided": _l("An extension request is decided"),
    "unit.merged": _l("Units merge into a successor"),
}

DATA_KEY = {
    "api_token": _l("Through the API token"),
    "name": _l("Name"),
    "email": _l("Email"),
    "role": _l("Role"),
    "unit_id": _l("Unit"),
    "language": _l("Language"),
    "code": _l("Code"),
    "kind": _l("Kind"),
    "group": _l("Group"),
    "short_name": _l("Short name"),
    "name_en": _l("English name"),
    "head_email": _l("Head's email"),
    "valid_from": _l("Active from"),
    "valid_to": _l("Active until"),
    "successor_id": _l("Successor"),
    "working": _l("Working day"),
    "expires_at": _l("Link expires"),
    "old": _l("Before"),
    "new": _l("After"),
    # counts of an import
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "assignments": _l("Assignments added"),
    "emails": _l("Emails"),
    # a reorganisation (tracker.services.reorganisation)
    "effective": _l("In effect from"),
    "sources": _l("Merged units"),
    "created_unit": _l("New unit"),
    "moved": _l("Assignments moved"),
    "merged": _l("Assignments merged"),
    "users": _l("People moved"),
    "extensions_closed": _l("Extension requests closed"),
    "other_unit": _l("Other unit"),
    "other_unit_id": _l("Other unit (number)"),
    "other_assignment_id": _l("Other assignment (number)"),
    # signing in
    "method": _l("Sign-in method"),
    "second_factor": _l("Second factor"),
    "codes_left": _l("Recovery codes left"),
    "reason": _l("Reason"),
    "detail": _l("Details"),
    "ip": _l("Address"),
}


# Weekday names by ``date.weekday()``, translated where shown (msgids shared with the
# admin's calendar page).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def deadline_text(due: date | None, effective: date | None = None, gettext=_) -> str:
    """Return a due date as every page, export and email shows it: "30/06/2024", or when it
    falls on a day off and rolls to the next working day, the written date with its weekday
    and the effective one ("30/06/2024 (Chủ nhật) → hạn thực tế 01/07/2024"). ``gettext``
    translates (an email's own language; the request's by default)."""
    if due is None:
        return ""
    if effective is None or effective == due:
        return format_day(due)
    return gettext(
        "%(day)s (%(weekday)s) → effective deadline %(effective)s",
        day=format_day(due),
        weekday=gettext(WEEKDAYS[due.weekday()]),
        effective=format_day(effective),
    )


def ageing_label(band: str) -> str:
    """Return an ageing band ("1-7", "90+") in words."""
    if band.endswith("+"):
        return _("over %(days)s days", days=int(band[:-1]))
    first, last = band.split("-")
    return _("%(first)s–%(last)s days", first=first, last=last)


def deadline_error_message(error: DeadlineError) -> str:
    """Return the user's-language explanation of why a deadline phrase was refused."""
    forms = "; ".join(ACCEPTED_FORMS)
    if error.code == "empty":
        return _("Enter a deadline, for example: %(forms)s.", forms=forms)
    if error.code == "invalid_date":
        return _("“%(text)s” is not a real date.", text=error.text)
    if error.code == "missing_year":
        return _("“%(text)s” has no year: add the year, e.g. 30/9/2024.", text=error.text)
    return _(
        "“%(text)s” is not a deadline this system can read. Accepted forms: %(forms)s.",
        text=error.text,
        forms=forms,
    )


def day_error_message(error: DayError) -> str:
    """Return why a typed date was refused, in the user's language (eager: it quotes input)."""
    if error.malformed:
        return _("Write the date as dd/mm/yyyy, for example 15/03/2024.")
    return _("“%(text)s” is not a real date.", text=error.text)


def rate_words(b: Buckets, counting: str = "assignments") -> str:
    """Return the completion rate of ``b`` with its basis in words ("98,62% trên 1.000
    nhiệm vụ đã đến hạn"), or that nothing is due yet. Never a bare rate: the official rate
    is over what is already due, so 100 % can stand beside 1 of 63 units done.

    ``counting`` names what ``b`` counts: "assignments" (a programme, a unit's tasks) or
    "units" (one task's units)."""
    if not b.due:
        if counting == "units":
            return _("no unit due yet")
        return _("nothing due yet")
    rate, due = format_rate(b.completion_rate), format_number(b.due)
    if counting == "units":
        return ngettext(
            "%(rate)s of the %(due)s unit already due",
            "%(rate)s of the %(due)s units already due",
            b.due,
            rate=rate,
            due=due,
        )
    return ngettext(
        "%(rate)s of the %(due)s assignment already due",
        "%(rate)s of the %(due)s assignments already due",
        b.due,
        rate=rate,
        due=due,
    )


def rate_short(b: Buckets) -> str:
    """Return the completion rate with its basis in a few words, for charts ("100% of 1
    due"), or "not due yet"."""
    if not b.due:
        return _("not due yet")
    return _(
        "%(rate)s of %(due)s due", rate=format_rate(b.completion_rate), due=format_number(b.due)
    )


# Colours: the colour of each time status is a name the pages give it (TIME_STATUS); charts
# (SVG) and spreadsheets (XLSX) look it up here so the three agree. One scheme everywhere:
# done on time green, done late teal, open within the deadline blue-grey, overdue red,
# awaiting confirmation yellow (officials read green as done, never as "still open").
# Each is dark or light enough for its text colour (TEXT_ON) to pass WCAG AA (4.5:1);
# app.css defines the same colours as ``text-bg-*``, ``bg-*`` and ``bucket-*`` classes.
SCHEME = {
    "done": "#1b7a3d",
    "late": "#0f766e",
    "open": "#546e7a",
    "overdue": "#c62828",
    "awaiting": "#ffc107",
    "none": "#cfd8dc",  # open without a deadline
}
THEME = {
    **SCHEME,
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
    "done": "#ffffff",
    "late": "#ffffff",
    "open": "#ffffff",
    "overdue": "#ffffff",
    "awaiting": "#000000",
    "none": "#000000",
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
    AssignmentState.IN_PROGRESS: "open",
    AssignmentState.SUBMITTED: "awaiting",
    AssignmentState.COMPLETED: "done",
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
