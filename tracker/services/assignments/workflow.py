"""The assignment workflow: focal points report, coordinators confirm, return or close.

Every function takes the acting user and ``now``, refuses with a ``ServiceError`` (changing
nothing) or records an event per change and commits once. Forms carry the version they
were loaded at; a different current version is a ``StaleEdit``, never an overwrite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.localtime import local_date
from tracker.domain.status import AssignmentState, TransitionError, transition
from tracker.extensions import db
from tracker.models import Assignment, Evidence, User
from tracker.services import access, events
from tracker.services.assignments import evidence
from tracker.services.errors import InvalidInput, ServiceError, StaleEdit
from tracker.services.notifications import kinds
from tracker.services.notifications.recording import Happening, notify
from tracker.settings import Settings

S = AssignmentState

# Event kinds written here (the timeline and the audit log name them in words).
STARTED = "started"
NOTE = "note"
SUBMITTED = "submitted"
EVIDENCE_ADDED = "evidence_added"
CONFIRMED = "confirmed"
RETURNED = "returned"
NOT_APPLICABLE = "not_applicable"
REOPENED = "reopened"

NOTE_MAX = 5000
DOC_NUMBER_MAX = 100
SIGNER_MAX = 255

STALE = _l(
    "Someone else changed this assignment after you opened it. Nothing was saved: "
    "the page now shows the latest data; check it and try again."
)
WRONG_STATE = _l(
    "This is not possible in the assignment's current state (it may have changed "
    "meanwhile). Nothing was saved; the page shows where it stands now."
)


def check_version(assignment: Assignment, version: int | None) -> None:
    """Refuse (StaleEdit) unless the assignment is still at the ``version`` the form showed."""
    if version is not None and assignment.version != version:
        raise StaleEdit(STALE)


def editable(assignment_id: int, actor: User, version: int | None) -> Assignment:
    """Return the assignment if ``actor`` may see it and it is still at ``version``."""
    assignment = access.visible_assignment(actor, assignment_id)
    check_version(assignment, version)
    return assignment


def _own(assignment_id: int, actor: User, version: int | None) -> Assignment:
    """Return the assignment if ``actor`` is its unit's focal point and it is at ``version``."""
    assignment = access.visible_assignment(actor, assignment_id)
    access.require_focal_point_of(actor, assignment)
    check_version(assignment, version)
    return assignment


def commit() -> None:
    """Commit, turning a concurrent change caught by the version column into ``StaleEdit``."""
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit(STALE) from error


def _next_state(assignment: Assignment, action: str) -> S:
    try:
        return transition(assignment.state, action)
    except TransitionError as error:
        raise ServiceError(WRONG_STATE) from error


def _required(text: str | None, message) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput(message)
    if len(value) > NOTE_MAX:
        raise InvalidInput(_l("At most %(max)d characters.", max=NOTE_MAX))
    return value


def _move(
    assignment: Assignment, action: str, kind: str, actor: User, now: datetime, note: str = ""
) -> None:
    """Apply ``action``'s state change and record it (not committed)."""
    to_state = _next_state(assignment, action)
    from_state = assignment.state
    assignment.state = to_state.value
    assignment.updated_at = now
    assignment.merge_review = None  # any move is the coordinator's (or unit's) decision
    events.record(
        kind,
        actor=actor,
        now=now,
        assignment=assignment,
        from_state=from_state,
        to_state=to_state.value,
        note=note,
    )


def start(assignment_id: int, actor: User, now: datetime, version: int | None) -> Assignment:
    """Mark the unit's assignment in progress (its focal point only)."""
    assignment = _own(assignment_id, actor, version)
    _move(assignment, "start", STARTED, actor, now)
    commit()
    return assignment


def add_note(assignment_id: int, actor: User, now: datetime, note: str) -> None:
    """Add a progress note to the timeline (the unit's focal point or a coordinator).

    A note does not change the assignment, so it makes nobody else's open form stale.
    """
    assignment = access.visible_assignment(actor, assignment_id)
    if not actor.is_coordinator:
        access.require_focal_point_of(actor, assignment)
    text = _required(note, _l("Write the note."))
    events.record(NOTE, actor=actor, now=now, assignment=assignment, note=text)
    commit()


def submit_completion(
    assignment_id: int,
    actor: User,
    now: datetime,
    version: int | None,
    doc_number: str,
    doc_date: date | None,
    signer: str,
    summary: str,
    files: Sequence[evidence.Upload],
    *,
    settings: Settings,
) -> Evidence:
    """Report completion with its evidence; the files are stored (under
    ``settings.upload_folder``) before the commit and removed again if the database refuses.

    Evidence must name the output document (its number) or attach at least one file: some
    outputs have no numbered document (a system put into service), some are not shareable.
    The report is dated the day ``now`` is in the programme's time zone (``settings.zone``).
    """
    assignment = _own(assignment_id, actor, version)
    today = local_date(now, settings.zone)
    _next_state(assignment, "submit")
    doc_number, signer, summary = ((v or "").strip() for v in (doc_number, signer, summary))
    if not doc_number and not files:
        raise InvalidInput(
            _l("Give the output document's number or attach at least one file as evidence.")
        )
    if len(doc_number) > DOC_NUMBER_MAX or len(signer) > SIGNER_MAX or len(summary) > NOTE_MAX:
        raise InvalidInput(_l("A field of the evidence is too long."))
    if doc_date is not None and doc_date > today:
        raise InvalidInput(_l("The document's date cannot be in the future."))
    stored = evidence.store_all(files, settings)
    try:
        record = Evidence(
            assignment=assignment,
            doc_number=doc_number,
            doc_date=doc_date,
            signer=signer,
            summary=summary,
            uploaded_by_id=actor.id,
            uploaded_at=now,
            files=evidence.records(stored),
        )
        db.session.add(record)
        _move(assignment, "submit", SUBMITTED, actor, now, note=summary)
        assignment.submitted_on = today
        assignment.returned_at = None
        assignment.return_reason = ""
        events.record(
            EVIDENCE_ADDED,
            actor=actor,
            now=now,
            assignment=assignment,
            note=doc_number,
            data={
                "doc_number": doc_number,
                "doc_date": doc_date.isoformat() if doc_date else None,
                "files": [s.filename for s in stored],
            },
        )
        tell(
            kinds.SUBMITTED,
            assignment,
            actor,
            now,
            doc_number=doc_number,
            submitted_on=today.isoformat(),
        )
        commit()
    except BaseException:
        db.session.rollback()
        evidence.discard(stored, settings.upload_folder)
        raise
    return record


def confirm(assignment_id: int, actor: User, now: datetime, version: int | None) -> Assignment:
    """Confirm a submitted report: completed, on time or late by the date it was reported."""
    access.require_coordinator(actor)
    assignment = editable(assignment_id, actor, version)
    _confirm(assignment, actor, now)
    tell(kinds.CONFIRMED, assignment, actor, now)
    commit()
    return assignment


def _confirm(assignment: Assignment, actor: User, now: datetime) -> None:
    _move(assignment, "confirm", CONFIRMED, actor, now)
    assignment.completed_at = now


def tell(kind: str, assignment: Assignment, actor: User, now: datetime, **data) -> None:
    """Notify whoever hears of ``kind`` about this assignment (not committed)."""
    notify(
        [Happening(kind, assignment.task_id, assignment.unit_id, assignment.id, data)],
        actor_id=actor.id,
        now=now,
    )


def return_submission(
    assignment_id: int, actor: User, now: datetime, version: int | None, reason: str
) -> Assignment:
    """Send a report back to the unit (in progress again) with the reason it must see."""
    access.require_coordinator(actor)
    assignment = editable(assignment_id, actor, version)
    text = _required(reason, _l("Say why the report is returned: the unit will see it."))
    _move(assignment, "return", RETURNED, actor, now, note=text)
    assignment.returned_at = now
    assignment.return_reason = text
    assignment.submitted_on = None
    tell(kinds.RETURNED, assignment, actor, now, reason=text)
    commit()
    return assignment


@dataclass
class BulkResult:
    """Which assignments a bulk confirmation confirmed and which it left alone."""

    confirmed: list[Assignment] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def bulk_confirm(
    ids: Iterable[int],
    actor: User,
    now: datetime,
    versions: Mapping[int, int] | None = None,
) -> BulkResult:
    """Confirm every listed assignment still submitted (and, if given, at its version);
    the others are skipped and reported, never changed."""
    access.require_coordinator(actor)
    wanted = list(dict.fromkeys(ids))
    found = {
        a.id: a for a in db.session.scalars(select(Assignment).where(Assignment.id.in_(wanted)))
    }
    result = BulkResult()
    for assignment_id in wanted:
        assignment = found.get(assignment_id)
        expected = (versions or {}).get(assignment_id)
        if (
            assignment is None
            or assignment.state != S.SUBMITTED
            or (expected is not None and assignment.version != expected)
        ):
            result.skipped.append(assignment_id)
            continue
        _confirm(assignment, actor, now)
        result.confirmed.append(assignment)
    if result.confirmed:
        notify(
            [Happening(kinds.CONFIRMED, a.task_id, a.unit_id, a.id) for a in result.confirmed],
            actor_id=actor.id,
            now=now,
        )
        commit()
    return result


def mark_not_applicable(
    assignment_id: int, actor: User, now: datetime, version: int | None, reason: str
) -> Assignment:
    """Take an open assignment out of the statistics, with the reason."""
    access.require_coordinator(actor)
    assignment = editable(assignment_id, actor, version)
    text = _required(reason, _l("Say why this assignment does not apply."))
    _move(assignment, "mark_not_applicable", NOT_APPLICABLE, actor, now, note=text)
    commit()
    return assignment


def reopen(
    assignment_id: int, actor: User, now: datetime, version: int | None, reason: str
) -> Assignment:
    """Put a completed or not-applicable assignment back in progress, with the reason."""
    access.require_coordinator(actor)
    assignment = editable(assignment_id, actor, version)
    text = _required(reason, _l("Say why the assignment is reopened."))
    _move(assignment, "reopen", REOPENED, actor, now, note=text)
    assignment.completed_at = None
    assignment.submitted_on = None
    commit()
    return assignment
