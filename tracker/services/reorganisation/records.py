"""What a reorganisation records: an event on both sides of every move, and one
administrative event per successor for the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Event, User
from tracker.services import events, webhooks
from tracker.services.reorganisation.plan import UnitRef
from tracker.services.reorganisation.resolution import Resolved

TRANSFERRED = AssignmentState.TRANSFERRED.value
TRANSFERRED_OUT, TRANSFERRED_IN, UNITS_MERGED = "transferred_out", "transferred_in", "units_merged"
MERGE_REVIEW = "merge_review"


def record_moves(resolved: Resolved, moves, creations, actor: User | None) -> None:
    """Add an event on both sides of every move: where it went, where it came from."""
    units = resolved.units
    names = {count.successor.id: count.successor.name for count in resolved.counts}
    first_state = {c.sources[0].id: c.state for c in creations}
    actor_id = actor.id if actor is not None else None
    rows = []
    for source, target, unit_id, merged, at in moves:
        common = {"task_id": source.task_id, "actor_id": actor_id, "at": at, "note": ""}
        rows.append(
            common
            | {
                "assignment_id": source.id,
                "unit_id": source.unit_id,
                "kind": TRANSFERRED_OUT,
                "from_state": source.state,
                "to_state": TRANSFERRED,
                "data": {
                    "other_unit": names[unit_id],
                    "other_unit_id": unit_id,
                    "other_assignment_id": target,
                    "merged": merged,
                },
            }
        )
        rows.append(
            common
            | {
                "assignment_id": target,
                "unit_id": unit_id,
                "kind": TRANSFERRED_IN,
                "from_state": None,
                "to_state": None if merged else first_state.get(source.id),
                "data": {
                    "other_unit": units[source.unit_id].name,
                    "other_unit_id": source.unit_id,
                    "other_assignment_id": source.id,
                    "merged": merged,
                },
            }
        )
    db.session.execute(insert(Event.__table__), rows)


def record_reviews(resolved: Resolved, reviews, moments: dict, actor: User | None) -> None:
    """Add an event on each assignment put back for review: from which state, and whose
    open obligation it now carries."""
    units = resolved.units
    rows = [
        {
            "task_id": r.task_id,
            "assignment_id": r.target.id,
            "unit_id": r.successor,
            "actor_id": actor.id if actor is not None else None,
            "at": moments[r.target.id],
            "kind": MERGE_REVIEW,
            "from_state": r.target.state,
            "to_state": r.state,
            "note": "",
            "data": {"units": ", ".join(units[s.unit_id].name for s in r.sources)},
        }
        for r in reviews
    ]
    db.session.execute(insert(Event.__table__), rows)


def record_mergers(resolved: Resolved, ids: dict[int, int], actor, now: datetime) -> None:
    """Record one administrative event per successor: who merged into it, from when; and
    tell other systems (the ``unit.merged`` webhook, one per successor)."""
    told = []
    for count, key in zip(resolved.counts, resolved.keys, strict=True):
        events.record(
            UNITS_MERGED,
            actor=actor,
            now=now,
            unit_id=ids[key],
            target=f"unit:{ids[key]}",
            data={
                "effective": resolved.plan.effective.isoformat(),
                # Plain text: the audit log shows every value as recorded.
                "sources": ", ".join(f"{s.name} ({s.code})" for s in count.sources),
                "created_unit": count.created_unit,
                "moved": count.moved,
                "merged": count.merged,
                "users": count.users,
                "extensions_closed": count.extensions_closed,
                "reviews": len(count.reviews),
            },
        )
        told.append(
            webhooks.Event(
                webhooks.UNIT_MERGED,
                None,
                ids[key],
                None,
                {
                    "effective": resolved.plan.effective.isoformat(),
                    "successor": _unit(count.successor, ids[key]),
                    "sources": [_unit(source, source.id) for source in count.sources],
                    "created_unit": count.created_unit,
                    "moved": count.moved,
                    "merged": count.merged,
                    "extensions_closed": count.extensions_closed,
                },
            )
        )
    webhooks.enqueue(told, now=now)


def _unit(ref: UnitRef, unit_id: int | None) -> dict:
    return {"id": unit_id, "code": ref.code, "name": ref.name}
