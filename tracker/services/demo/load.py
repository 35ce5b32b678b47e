"""Writing the planned demo: only what the database lacks, matched by natural keys."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tracker.domain.localtime import local_date
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AssignmentRevision,
    Event,
    Evidence,
    Role,
    Task,
    Unit,
    User,
)
from tracker.services.accounts import new_session_token, normalise_email
from tracker.services.calendar import load_calendar
from tracker.services.demo.plan import plan_assignments, sample_logins
from tracker.services.demo.world import (
    WORLD_CREATED,
    AssignmentPlan,
    S,
    UnitSpec,
    demo_units,
    read_world,
)
from tracker.settings import Settings

# What a load counts, with the English words the summary uses for one and for many.
CREATED_LABELS = {
    "units": ("unit", "units"),
    "users": ("user", "users"),
    "tasks": ("task", "tasks"),
    "assignments": ("assignment", "assignments"),
    "events": ("history event", "history events"),
    "evidence": ("evidence document", "evidence documents"),
}


@dataclass
class DemoReport:
    """What a load created (counts by kind) and the accounts worth signing in with."""

    created: dict[str, int] = dataclass_field(default_factory=dict)
    sample_logins: list[tuple[str, str]] = dataclass_field(default_factory=list)

    def summary(self) -> str:
        """Return one English line: what was created, or that nothing was needed."""
        parts = [
            f"{n} {one if n == 1 else many}"
            for key, (one, many) in CREATED_LABELS.items()
            if (n := self.created.get(key, 0))
        ]
        if not parts:
            return "Nothing to do: the demo is already loaded"
        return "Created " + ", ".join(parts)


def load_demo(password: str, settings: Settings) -> DemoReport:
    """Load the 2024 demo world, creating only what is missing, and commit once; every
    account gets ``password``, hashed with the settings' method."""
    zone = settings.zone
    world = read_world()
    units = demo_units(world)
    plans = plan_assignments(
        world, units, load_calendar(), zone, before_is_exclusive=settings.before_is_exclusive
    )
    set_up_at = WORLD_CREATED.replace(tzinfo=zone).astimezone(UTC)
    created: Counter[str] = Counter()
    unit_ids = _ensure_units(units, set_up_at, created)
    users = _ensure_users(
        world, units, unit_ids, password, settings.password_method, set_up_at, created
    )
    tasks = _ensure_tasks(world, plans, users, created)
    _ensure_assignments(plans, tasks, unit_ids, users, zone, created)
    db.session.commit()
    return DemoReport({k: created[k] for k in CREATED_LABELS}, sample_logins(world, units, plans))


def _ensure_units(
    units: list[UnitSpec], set_up_at: datetime, created: Counter[str]
) -> dict[str, int]:
    """Create the missing units; return every demo unit's id by code."""
    rows = db.session.scalars(
        select(Unit).where(Unit.valid_from.is_(None), Unit.code.in_([u.code for u in units]))
    )
    existing = {u.code: u for u in rows}
    new = [
        Unit(
            code=u.code,
            name=u.name,
            short_name=u.short_name,
            name_en=u.name_en,
            kind=u.kind,
            group=u.group,
            head_email=f"lanhdao.{u.slug}@example.org",
            created_at=set_up_at,
        )
        for u in units
        if u.code not in existing
    ]
    db.session.add_all(new)
    db.session.flush()
    created["units"] = len(new)
    return {u.code: u.id for u in (*existing.values(), *new)}


def _ensure_users(
    world: dict,
    units: list[UnitSpec],
    unit_ids: dict[str, int],
    password: str,
    method: str,
    set_up_at: datetime,
    created: Counter[str],
) -> dict[str, User]:
    """Create the missing staff and focal points; return every demo user by email."""
    wanted = [(normalise_email(s["email"]), s["name"], s["role"], None) for s in world["staff"]]
    wanted += [
        (u.focal_email, f"Đầu mối {u.name}", Role.FOCAL_POINT, unit_ids[u.code]) for u in units
    ]
    emails = [w[0] for w in wanted]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    missing = [w for w in wanted if w[0] not in users]
    if missing:
        password_hash = generate_password_hash(password, method=method)  # once: hashing is slow
        new = [
            User(
                email=email,
                name=name,
                role=str(role),
                unit_id=unit_id,
                language="vi",
                password_hash=password_hash,
                session_token=new_session_token(),
                created_at=set_up_at,
            )
            for email, name, role, unit_id in missing
        ]
        db.session.add_all(new)
        db.session.flush()
        users.update((u.email, u) for u in new)
        created["users"] = len(new)
    return users


def _ensure_tasks(
    world: dict, plans: list[AssignmentPlan], users: dict[str, User], created: Counter[str]
) -> dict[str, Task]:
    """Create the missing tasks; return every demo task by title."""
    plans_by_title = {p.task.title: p.task for p in plans}
    rows = db.session.scalars(select(Task).where(Task.title.in_(list(plans_by_title))))
    tasks = {t.title: t for t in rows}
    new = [
        Task(
            title=t.title,
            description=t.description,
            source_document=world["source_document"],
            field=t.field,
            priority=t.priority,
            deadline=t.deadline.due,
            deadline_wording=t.deadline.wording,
            owner_id=users[t.owner].id,
            created_at=t.created_at,
        )
        for t in plans_by_title.values()
        if t.title not in tasks
    ]
    db.session.add_all(new)
    db.session.flush()
    tasks.update((t.title, t) for t in new)
    created["tasks"] = len(new)
    return tasks


def _ensure_assignments(
    plans: list[AssignmentPlan],
    tasks: dict[str, Task],
    unit_ids: dict[str, int],
    users: dict[str, User],
    zone: ZoneInfo,
    created: Counter[str],
) -> None:
    """Create the missing assignments with their history and evidence (days in ``zone``)."""
    task_ids = [t.id for t in tasks.values()]
    rows = db.session.execute(
        select(Assignment.task_id, Assignment.unit_id).where(Assignment.task_id.in_(task_ids))
    )
    existing = {(task_id, unit_id) for task_id, unit_id in rows}
    new = []
    for plan in plans:
        task, unit_id = tasks[plan.task.title], unit_ids[plan.unit.code]
        if (task.id, unit_id) in existing:
            continue
        owner_id, focal_id = users[plan.task.owner].id, users[plan.unit.focal_email].id
        events = [
            Event(
                task_id=task.id,
                unit_id=unit_id,
                actor_id=owner_id if s.by_owner else focal_id,
                at=s.at,
                kind=s.kind,
                from_state=s.from_state and str(s.from_state),
                to_state=s.to_state and str(s.to_state),
                note=s.note,
            )
            for s in plan.steps
        ]
        evidence = []
        if plan.evidence:
            submitted_at = next(e.at for e in reversed(events) if e.to_state == S.SUBMITTED)
            evidence.append(
                Evidence(**plan.evidence, uploaded_by_id=focal_id, uploaded_at=submitted_at)
            )
        assignment = Assignment(
            task_id=task.id,
            unit_id=unit_id,
            role=str(plan.role),
            state=plan.state,
            due_date=task.deadline,
            original_due_date=task.deadline,
            submitted_on=plan.submitted_on,
            completed_at=plan.completed_at,
            created_at=plan.steps[0].at,
            updated_at=plan.steps[-1].at,
            events=events,
            evidence=evidence,
        )
        _add_revisions(assignment, plan, unit_id, task, zone)
        new.append(assignment)
        created["events"] += len(events)
        created["evidence"] += len(evidence)
    db.session.add_all(new)
    created["assignments"] = len(new)


def _add_revisions(assignment: Assignment, plan, unit_id: int, task, zone: ZoneInfo) -> None:
    """Give a demo assignment its past as revisions, so reports as of earlier days see it."""
    submitted_on = None
    for step in plan.steps:
        if step.to_state is None:
            continue
        if step.to_state == S.SUBMITTED:
            submitted_on = local_date(step.at, zone)
        elif step.to_state in (S.IN_PROGRESS, S.ASSIGNED):
            submitted_on = None
        db.session.add(
            AssignmentRevision(
                assignment=assignment,
                task_id=task.id,
                unit_id=unit_id,
                at=step.at,
                day=local_date(step.at, zone),
                state=str(step.to_state),
                due_date=task.deadline,
                submitted_on=submitted_on,
            )
        )
