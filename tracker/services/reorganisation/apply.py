"""Writing a reorganisation: units, assignments, history, people, all in one transaction.

A fixed number of statements per plan whatever the number of assignments: creations,
transfers, revisions and events are each written in one batch.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from tracker.domain.localtime import start_of_day
from tracker.domain.reorganisation import Creation, OpenAssignment
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, ExtensionRequest, Reminder, Unit, User
from tracker.services import events, history
from tracker.services.errors import StaleEdit
from tracker.services.reorganisation import records
from tracker.services.reorganisation.plan import UnitRef
from tracker.services.reorganisation.resolution import Resolved

A = Assignment
TRANSFERRED = AssignmentState.TRANSFERRED.value
CLOSED = "closed"  # an extension request the reorganisation ended undecided


def _stale() -> StaleEdit:
    return StaleEdit(
        _(
            "Assignments of these units changed meanwhile; nothing was changed. "
            "Check the merger again and apply it."
        )
    )


def write(resolved: Resolved, actor: User | None, now: datetime, zone: ZoneInfo) -> None:
    """Apply a resolved plan, effective from the start of its day in ``zone``, and commit;
    StaleEdit (nothing changed) on a concurrent change."""
    effective_at = start_of_day(resolved.plan.effective, zone)
    try:
        ids = _create_units(resolved, now)
        _transfer(resolved, ids, actor, effective_at)
        _end_units(resolved, ids)
        _rename(resolved, actor, now)
        records.record_mergers(resolved, ids, actor, now)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise _stale() from error
    except StaleEdit:
        db.session.rollback()
        raise


def _create_units(resolved: Resolved, now: datetime) -> dict[int, int]:
    """Create the new successors; return every successor's id by its plan key."""
    ids = {key: key for key in resolved.keys if key > 0}
    new = {}
    for key, fields in zip(resolved.keys, resolved.successors, strict=True):
        if key < 0:
            new[key] = Unit(**vars(fields), active=True, created_at=now)
    db.session.add_all(new.values())
    db.session.flush()
    ids.update((key, unit.id) for key, unit in new.items())
    for count, key in zip(resolved.counts, resolved.keys, strict=True):
        successor = count.successor
        count.successor = UnitRef(ids[key], successor.code, successor.name)
    return ids


def _moment(resolved: Resolved, effective_at: datetime, assignment_id: int) -> datetime:
    # Never before the assignment's last change, so that its history stays in order.
    return max(effective_at, resolved.changed_at[assignment_id])


def _transfer(
    resolved: Resolved, ids: dict[int, int], actor: User | None, effective_at: datetime
) -> None:
    creations = resolved.transfers.creations
    created_at = {
        (c.task_id, c.successor): max(_moment(resolved, effective_at, s.id) for s in c.sources)
        for c in creations
    }
    target_of = _insert_creations(creations, ids, created_at)
    # (source, target id, its unit, merged, moment)
    moves: list[tuple[OpenAssignment, int, int, bool, datetime]] = []
    for c in creations:
        target = target_of[c.task_id, ids[c.successor]]
        for n, source in enumerate(c.sources):
            moment = _moment(resolved, effective_at, source.id)
            moves.append((source, target, ids[c.successor], n > 0, moment))
    for m in resolved.transfers.merges:
        moment = _moment(resolved, effective_at, m.source.id)
        moves.append((m.source, m.target_id, ids[m.successor], True, moment))
    if not moves:
        return
    _mark_transferred(moves)
    history.add_revisions(
        [
            history.revision_row(
                s.id, s.task_id, s.unit_id, at, TRANSFERRED, s.due_date, s.submitted_on
            )
            for s, _target, _unit, _merged, at in moves
        ]
    )
    records.record_moves(resolved, moves, creations, actor)
    _unsettle(resolved, actor, effective_at)
    _settle_pending(resolved, actor, effective_at)


def _insert_creations(
    creations: tuple[Creation, ...], ids: dict[int, int], created_at: dict
) -> dict[tuple[int, int], int]:
    """Insert the successors' new assignments with their first revision; return their ids."""
    if not creations:
        return {}
    rows = [
        {
            "task_id": c.task_id,
            "unit_id": ids[c.successor],
            "role": c.role,
            "state": c.state,
            "due_date": c.due_date,
            "original_due_date": c.original_due_date,
            "submitted_on": c.submitted_on,
            "return_reason": "",
            "created_at": created_at[c.task_id, c.successor],
            "updated_at": created_at[c.task_id, c.successor],
            "version": 1,
        }
        for c in creations
    ]
    created = db.session.execute(insert(A).returning(A.id, A.task_id, A.unit_id), rows).all()
    target_of = {(row.task_id, row.unit_id): row.id for row in created}
    history.add_revisions(
        [
            history.revision_row(
                target_of[c.task_id, ids[c.successor]],
                c.task_id,
                ids[c.successor],
                created_at[c.task_id, c.successor],
                c.state,
                c.due_date,
                c.submitted_on,
            )
            for c in creations
        ]
    )
    return target_of


def _mark_transferred(moves) -> None:
    """Close the merged units' open assignments, each still at the version that was read."""
    table = A.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values(
            state=TRANSFERRED,
            transferred_to_id=bindparam("b_target"),
            updated_at=bindparam("b_at"),
            version=bindparam("b_next"),
        )
    )
    rows = [
        {
            "b_id": s.id,
            "b_version": s.version,
            "b_target": target,
            "b_at": at,
            "b_next": s.version + 1,
        }
        for s, target, _unit, _merged, at in moves
    ]
    result = db.session.execute(statement, rows)
    if db.engine.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
        raise _stale()


def _unsettle(resolved: Resolved, actor: User | None, effective_at: datetime) -> None:
    """Put back the successors' settled assignments that merged open obligations, each still
    at the version that was read, for a coordinator to confirm or return."""
    reviews = resolved.transfers.reviews
    if not reviews:
        return
    units = resolved.units
    table = A.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values(
            state=bindparam("b_state"),
            due_date=bindparam("b_due"),
            submitted_on=bindparam("b_submitted"),
            completed_at=None,
            merge_review=bindparam("b_review", type_=table.c.merge_review.type),
            updated_at=bindparam("b_at"),
            version=bindparam("b_next"),
        )
    )
    moments = {r.target.id: _moment(resolved, effective_at, r.target.id) for r in reviews}
    rows = [
        {
            "b_id": r.target.id,
            "b_version": r.target.version,
            "b_state": r.state,
            "b_due": r.due_date,
            "b_submitted": r.submitted_on,
            "b_review": {
                "was": r.target.state,
                "units": [units[s.unit_id].name for s in r.sources],
                "unit_ids": [s.unit_id for s in r.sources],
            },
            "b_at": moments[r.target.id],
            "b_next": r.target.version + 1,
        }
        for r in reviews
    ]
    result = db.session.execute(statement, rows)
    if db.engine.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
        raise _stale()
    history.add_revisions(
        [
            history.revision_row(
                r.target.id,
                r.task_id,
                r.successor,
                moments[r.target.id],
                r.state,
                r.due_date,
                r.submitted_on,
            )
            for r in reviews
        ]
    )
    records.record_reviews(resolved, reviews, moments, actor)


def _settle_pending(resolved: Resolved, actor: User | None, effective_at: datetime) -> None:
    """Cancel the reminders not yet sent and close the undecided extension requests of the
    transferred assignments: the successor's assignment is now the one reminded and asked."""
    transferred = select(A.id).where(
        A.unit_id.in_(list(resolved.merger_of)), A.state == TRANSFERRED
    )
    db.session.execute(
        update(Reminder)
        .where(Reminder.assignment_id.in_(transferred), Reminder.state.in_(("queued", "failed")))
        .values(state="cancelled", last_error="assignment transferred")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ExtensionRequest)
        .where(
            ExtensionRequest.assignment_id.in_(transferred),
            ExtensionRequest.state == "pending",
        )
        .values(
            state=CLOSED,
            decided_at=effective_at,
            decided_by_id=actor.id if actor is not None else None,
            decision_note=_(
                "Closed without a decision: the unit was merged and the assignment passed "
                "to its successor. Ask there again if still needed."
            ),
        )
        .execution_options(synchronize_session=False)
    )


def _end_units(resolved: Resolved, ids: dict[int, int]) -> None:
    """End the merged units the day before, point them at their successor, and move their
    people to it (focal points keep working, now for the successor)."""
    eve: date = resolved.plan.effective - timedelta(days=1)
    successor_of = {}
    for merger, key in zip(resolved.plan.mergers, resolved.keys, strict=True):
        for uid in merger.sources:
            unit = resolved.units[uid]
            unit.valid_to, unit.successor_id, unit.active = eve, ids[key], False
            successor_of[uid] = ids[key]
    if resolved.users:
        table = User.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(unit_id=bindparam("b_unit")),
            [{"b_id": uid, "b_unit": successor_of[unit_id]} for uid, unit_id in resolved.users],
        )
    db.session.flush()


def _rename(resolved: Resolved, actor: User | None, now: datetime) -> None:
    for rename in resolved.plan.renames:
        unit = resolved.units[rename.unit_id]
        wanted = {
            "name": rename.name,
            "kind": rename.kind,
            "short_name": rename.short_name or unit.short_name,
            "name_en": rename.name_en or unit.name_en,
        }
        changes = {k: [getattr(unit, k), v] for k, v in wanted.items() if getattr(unit, k) != v}
        if not changes:
            continue
        for key, (_old, value) in changes.items():
            setattr(unit, key, value)
        events.record(
            "unit_updated",
            actor=actor,
            now=now,
            unit_id=unit.id,
            target=f"unit:{unit.id}",
            data=changes | {"effective": resolved.plan.effective.isoformat()},
        )
