"""A plan checked and counted against the database (read-only): what applying it writes,
and what a preview shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.domain.reorganisation import OpenAssignment, Target, TransferPlan, plan_transfers
from tracker.domain.status import OPEN_STATES
from tracker.extensions import db
from tracker.i18n import format_day
from tracker.models import Assignment, ExtensionRequest, Task, Unit, User
from tracker.services.admin.units import UnitFields
from tracker.services.errors import ServiceError
from tracker.services.reorganisation.checks import (
    check_sources,
    check_successor,
    new_unit_fields,
)
from tracker.services.reorganisation.plan import MergeCounts, NewUnit, Plan, ReviewRef, UnitRef

A = Assignment
OPEN = [s.value for s in OPEN_STATES]


@dataclass
class Resolved:
    """A plan checked against the database, with everything its writing needs."""

    plan: Plan
    units: dict[int, Unit]  # sources, existing successors and renamed units
    successors: list[Unit | UnitFields]  # per merger: existing, or the new unit's fields
    keys: list[int]  # per merger: the successor's id, or -(index + 1) for a new unit
    open: list[OpenAssignment]
    changed_at: dict[int, datetime]  # open assignment id -> its last change
    transfers: TransferPlan
    users: list[tuple[int, int]]  # (user id, unit id) of the merged units' people
    counts: list[MergeCounts]
    task_titles: dict[int, str]

    @property
    def merger_of(self) -> dict[int, int]:
        """Return each merged unit's merger index."""
        return {uid: i for i, m in enumerate(self.plan.mergers) for uid in m.sources}


def resolve(plan: Plan, today: date) -> Resolved:
    """Return the plan checked and counted (a fixed number of queries whatever its size);
    raises ServiceError, changing nothing, when it cannot be applied."""
    if plan.effective > today:
        raise ServiceError(
            _(
                "The reorganisation takes effect on %(day)s, after today: record it on the day "
                "it takes effect.",
                day=format_day(plan.effective),
            )
        )
    source_ids = [uid for m in plan.mergers for uid in m.sources]
    wanted = {*source_ids, *(r.unit_id for r in plan.renames)}
    wanted |= {m.successor for m in plan.mergers if isinstance(m.successor, int)}
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(wanted)))}
    check_sources(plan, units, source_ids)
    if any(r.unit_id not in units for r in plan.renames):
        raise ServiceError(_("Some of the chosen units do not exist."))
    new_fields = new_unit_fields(plan, units, source_ids)
    successors: list[Unit | UnitFields] = []
    keys: list[int] = []
    for i, merger in enumerate(plan.mergers):
        if isinstance(merger.successor, NewUnit):
            successors.append(new_fields[i])
            keys.append(-(i + 1))
        else:
            unit = units.get(merger.successor)
            check_successor(plan, unit, source_ids)
            successors.append(unit)
            keys.append(unit.id)
    return _count(plan, units, successors, keys, source_ids)


def _count(plan: Plan, units, successors, keys, source_ids: list[int]) -> Resolved:
    rows = db.session.execute(
        select(
            A.id,
            A.task_id,
            A.unit_id,
            A.role,
            A.state,
            A.due_date,
            A.original_due_date,
            A.submitted_on,
            A.version,
            A.updated_at,
        ).where(A.unit_id.in_(source_ids), A.state.in_(OPEN))
    ).all()
    open_rows = [OpenAssignment(*row[:9]) for row in rows]
    changed_at = {row.id: row.updated_at for row in rows}
    task_ids = sorted({a.task_id for a in open_rows})
    existing_ids = [k for k in keys if k > 0]
    existing = {}
    if task_ids and existing_ids:
        for row in db.session.execute(
            select(
                A.id,
                A.task_id,
                A.unit_id,
                A.state,
                A.due_date,
                A.submitted_on,
                A.version,
                A.updated_at,
            ).where(A.unit_id.in_(existing_ids), A.task_id.in_(task_ids))
        ):
            existing[row.task_id, row.unit_id] = Target(
                row.id, row.state, row.due_date, row.submitted_on, row.version
            )
            changed_at[row.id] = row.updated_at
    successor_of = {uid: keys[i] for i, m in enumerate(plan.mergers) for uid in m.sources}
    transfers = plan_transfers(open_rows, successor_of, existing, source_ids)
    users = [
        tuple(r)
        for r in db.session.execute(
            select(User.id, User.unit_id).where(User.unit_id.in_(source_ids))
        )
    ]
    pending = Counter(
        db.session.scalars(
            select(A.unit_id)
            .join(ExtensionRequest, ExtensionRequest.assignment_id == A.id)
            .where(
                A.unit_id.in_(source_ids), A.state.in_(OPEN), ExtensionRequest.state == "pending"
            )
        )
    )
    titles = {
        row.id: row.title
        for row in db.session.execute(select(Task.id, Task.title).where(Task.id.in_(task_ids)))
    }
    resolved = Resolved(
        plan, units, successors, keys, open_rows, changed_at, transfers, users, [], titles
    )
    resolved.counts = _merge_counts(resolved, pending)
    return resolved


def _merge_counts(resolved: Resolved, pending: Counter) -> list[MergeCounts]:
    plan, units = resolved.plan, resolved.units
    counts = []
    for merger, successor, key in zip(
        plan.mergers, resolved.successors, resolved.keys, strict=True
    ):
        counts.append(
            MergeCounts(
                successor=UnitRef(key if key > 0 else None, successor.code, successor.name),
                created_unit=key < 0,
                sources=[UnitRef(uid, units[uid].code, units[uid].name) for uid in merger.sources],
                users=sum(1 for _uid, unit_id in resolved.users if unit_id in merger.sources),
                extensions_closed=sum(pending[uid] for uid in merger.sources),
            )
        )
    merger_of = resolved.merger_of
    for a in resolved.open:
        counts[merger_of[a.unit_id]].open_before += 1
    for creation in resolved.transfers.creations:
        for n, source in enumerate(creation.sources):
            _tally(counts[merger_of[source.unit_id]], source.task_id, merged=n > 0)
    for merge in resolved.transfers.merges:
        _tally(counts[merger_of[merge.source.unit_id]], merge.source.task_id, merged=True)
    for review in resolved.transfers.reviews:
        counts[merger_of[review.sources[0].unit_id]].reviews.append(
            ReviewRef(
                task_id=review.task_id,
                was=review.target.state,
                becomes=review.state,
                sources=[units[s.unit_id].name for s in review.sources],
            )
        )
    return counts


def _tally(counts: MergeCounts, task_id: int, merged: bool) -> None:
    pair = counts.by_task.setdefault(task_id, [0, 0])
    pair[int(merged)] += 1
    if merged:
        counts.merged += 1
    else:
        counts.moved += 1
