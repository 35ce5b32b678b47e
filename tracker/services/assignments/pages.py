"""The assignment page: one assignment with its timeline, evidence, extension requests,
reminders and transfers, and what the reader may do to it, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker.domain.status import AssignmentState, StatusResult
from tracker.domain.status import allowed_actions as state_actions
from tracker.extensions import db
from tracker.models import (
    Assignment,
    Event,
    Evidence,
    ExtensionRequest,
    Reminder,
    Role,
    User,
)
from tracker.services import access, status_sql
from tracker.services.assignments import evidence
from tracker.services.assignments.due_dates import PENDING
from tracker.services.calendar import load_calendar
from tracker.services.reorganisation.pages import Transfers, transfers_of
from tracker.services.status_sql import AsOf
from tracker.settings import Settings

S = AssignmentState

FOCAL_POINT_ACTIONS = frozenset({"start", "submit"})
COORDINATOR_ACTIONS = frozenset({"confirm", "return", "mark_not_applicable", "reopen"})
WORKING = frozenset({S.ASSIGNED, S.IN_PROGRESS})
OPEN = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.SUBMITTED})


def actions_for(user: User, assignment: Assignment, pending_extension: bool) -> frozenset[str]:
    """Return what ``user`` may do to ``assignment`` now (the page shows these forms only)."""
    by_state = set(state_actions(assignment.state))
    if user.role == Role.FOCAL_POINT and user.unit_id == assignment.unit_id:
        allowed = set(FOCAL_POINT_ACTIONS & by_state) | {"note"}
        if assignment.state in WORKING and assignment.due_date and not pending_extension:
            allowed.add("request_extension")
        return frozenset(allowed)
    if user.is_coordinator:
        allowed = set(COORDINATOR_ACTIONS & by_state) | {"note"}
        if assignment.state in OPEN:
            allowed.add("change_due")
        if pending_extension:
            allowed.add("decide_extension")
        return frozenset(allowed)
    return frozenset()


@dataclass
class AssignmentPage:
    """Everything the assignment page shows, already loaded."""

    assignment: Assignment
    status: StatusResult
    owner: User | None
    timeline: list[Event]
    evidence: list[Evidence]
    requests: list[ExtensionRequest]  # newest first
    pending: ExtensionRequest | None
    actions: frozenset[str]
    reminders: list[Reminder]  # every reminder for this assignment, newest first
    transfers: Transfers  # where a reorganisation passed it, and what it took over
    upload: evidence.UploadRules  # what the evidence form accepts


def assignment_page(
    user: User, assignment_id: int, *, as_of: AsOf, settings: Settings
) -> AssignmentPage:
    """Return the page of an assignment ``user`` may see (NotFound otherwise), its status
    judged on ``as_of.day``; eight queries (and the calendar's, once per request)."""
    assignment = access.visible_assignment(user, assignment_id)
    timeline = list(
        db.session.scalars(
            select(Event)
            .options(joinedload(Event.actor))
            .where(Event.assignment_id == assignment.id)
            .order_by(Event.at, Event.id)
        )
    )
    documents = evidence_of([assignment.id]).get(assignment.id, [])
    requests = list(
        db.session.scalars(
            select(ExtensionRequest)
            .options(
                joinedload(ExtensionRequest.requested_by), joinedload(ExtensionRequest.decided_by)
            )
            .where(ExtensionRequest.assignment_id == assignment.id)
            .order_by(ExtensionRequest.requested_at.desc(), ExtensionRequest.id.desc())
        )
    )
    pending = next((r for r in requests if r.state == PENDING), None)
    reminders = list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.assignment_id == assignment.id)
            .order_by(Reminder.claimed_at.desc(), Reminder.copy, Reminder.id)
        )
    )
    owner_id = assignment.task.owner_id
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    return AssignmentPage(
        assignment=assignment,
        status=status_sql.status_of(
            assignment, as_of.day, load_calendar(), settings.due_soon_days, as_of.rule
        ),
        owner=owner,
        timeline=timeline,
        evidence=documents,
        requests=requests,
        pending=pending,
        actions=actions_for(user, assignment, pending is not None),
        reminders=reminders,
        transfers=transfers_of(assignment),
        upload=evidence.upload_rules(settings),
    )


def evidence_of(assignment_ids: Sequence[int]) -> dict[int, list[Evidence]]:
    """Return each assignment's evidence documents with their files, newest first (two queries)."""
    result: dict[int, list[Evidence]] = {i: [] for i in assignment_ids}
    if not assignment_ids:
        return result
    rows = db.session.scalars(
        select(Evidence)
        .options(selectinload(Evidence.files), joinedload(Evidence.uploaded_by))
        .where(Evidence.assignment_id.in_(assignment_ids))
        .order_by(Evidence.uploaded_at.desc(), Evidence.id.desc())
    )
    for row in rows:
        result[row.assignment_id].append(row)
    return result
