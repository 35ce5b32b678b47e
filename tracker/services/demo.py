"""Demo data: the programme's world as its six-month report of 2024 describes it.

The whole world is planned first, deterministically (one ``random.Random(2024)``, whatever
the database holds), then only what the database lacks is written, matched by natural keys:
unit code (``valid_from`` None), user email, task title, (task, unit) for assignments. A second
run creates nothing; a half-loaded database is completed with the same rows a fresh load gives.
"""

from __future__ import annotations

import csv
import random
import re
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tracker import clock
from tracker.domain.calendar import WorkCalendar
from tracker.domain.deadlines import Deadline, parse_deadline
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import (
    GROUP_OF_KIND,
    Assignment,
    AssignmentRole,
    Event,
    Evidence,
    Field,
    Role,
    Task,
    Unit,
    UnitGroup,
    UnitKind,
    User,
)
from tracker.services.accounts import new_session_token, normalise_email
from tracker.services.calendar import load_calendar

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SEED = 2024
AS_OF = date(2024, 6, 30)  # the report's "6 tháng": every event happens on or before this day
# Programme-local times: units and accounts set up at the start of the year, tasks assigned.
WORLD_CREATED = datetime(2024, 1, 2, 8, 0)
TASKS_CREATED = datetime(2024, 1, 15, 7, 0)
CATALOGUE_TASK = "Ban hành danh mục cơ sở dữ liệu dùng chung"
# Focal points shown as sample logins (a ministry, the capital, and a laggard found below).
SAMPLE_UNITS = ("BTTTT", "01")
# Placed first when states are dealt, so they did their work: the programme's own coordinator.
DILIGENT = ("BTTTT",)

S = AssignmentState
# What a load counts, with the English words the summary uses for one and for many.
CREATED_LABELS = {
    "units": ("unit", "units"),
    "users": ("user", "users"),
    "tasks": ("task", "tasks"),
    "assignments": ("assignment", "assignments"),
    "events": ("history event", "history events"),
    "evidence": ("evidence document", "evidence documents"),
}


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    short_name: str
    name_en: str
    kind: str
    slug: str

    @property
    def group(self) -> str:
        return GROUP_OF_KIND[UnitKind(self.kind)]

    @property
    def focal_email(self) -> str:
        return f"dm.{self.slug}@example.org"


@dataclass
class TaskPlan:
    title: str
    description: str
    field: str
    priority: bool
    owner: str  # email
    deadline: Deadline
    evidence: dict
    created_at: datetime


@dataclass
class Step:
    """One history event; ``by_owner`` picks the task's coordinator, else the focal point."""

    at: datetime
    kind: str
    from_state: str | None
    to_state: str | None
    by_owner: bool
    note: str = ""


@dataclass
class AssignmentPlan:
    task: TaskPlan
    unit: UnitSpec
    role: str
    state: str
    steps: list[Step]
    submitted_on: date | None = None
    completed_at: datetime | None = None
    evidence: dict | None = None


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


def load_demo(password: str) -> DemoReport:
    """Load the 2024 demo world, creating only what is missing, and commit once."""
    world = read_world()
    units = demo_units(world)
    plans = plan_assignments(world, units, load_calendar(), clock.tz())
    set_up_at = WORLD_CREATED.replace(tzinfo=clock.tz()).astimezone(UTC)
    created: Counter[str] = Counter()
    unit_ids = _ensure_units(units, set_up_at, created)
    users = _ensure_users(world, units, unit_ids, password, set_up_at, created)
    tasks = _ensure_tasks(world, plans, users, created)
    _ensure_assignments(plans, tasks, unit_ids, users, created)
    db.session.commit()
    return DemoReport({k: created[k] for k in CREATED_LABELS}, sample_logins(world, units, plans))


@cache
def read_world() -> dict:
    """Return the demo world's content (tasks, staff, wording) from ``demo_2024.toml``."""
    with open(DATA_DIR / "demo_2024.toml", "rb") as f:
        return tomllib.load(f)


def slugify(text: str) -> str:
    """Return ``text`` as an ASCII slug: "Thành phố Hà Nội" -> "thanh-pho-ha-noi"."""
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def demo_units(world: dict) -> list[UnitSpec]:
    """Return the 2024 units: ministries and central agencies first, then the 63 provinces."""
    central = [
        UnitSpec(r["short"], r["name"], r["short"], r["name_en"], r["kind"], slugify(r["short"]))
        for r in _read_csv("ministries_2024.csv")
    ]
    central += [
        UnitSpec(a["code"], a["name"], a["code"], a["name_en"], a["kind"], slugify(a["code"]))
        for a in world["central_agencies"]
    ]
    local = []
    for r in _read_csv("provinces_2024.csv"):
        bare = re.sub(r"^(Tỉnh|Thành phố) ", "", r["name"])
        suffix = "City" if r["kind"] == UnitKind.CITY else "Province"
        local.append(
            UnitSpec(
                r["code"], r["name"], bare, f"{_ascii(bare)} {suffix}", r["kind"], slugify(bare)
            )
        )
    return central + local


class Timeline:
    """Picks plausible working days between task creation and AS_OF, and office hours in them."""

    def __init__(self, rng: random.Random, calendar: WorkCalendar, tz: tzinfo, created: date):
        self.rng, self.calendar, self.tz = rng, calendar, tz
        self.first = calendar.add_working_days(created, 1)
        self.last = calendar.previous_working_day(AS_OF)
        span = range((self.last - created).days + 1)
        days = (created + timedelta(days=i) for i in span)
        self.days = [d for d in days if calendar.is_working_day(d)]

    def day(self, lo: date, hi: date, *, near_hi: bool = False) -> date | None:
        """Return a working day in [lo, hi] (skewed towards ``hi``), or None if there is none."""
        i, j = bisect_left(self.days, lo), bisect_right(self.days, hi)
        if i >= j:
            return None
        k = self.rng.randrange(i, j)
        if near_hi:  # people finish near the deadline
            k = max(k, self.rng.randrange(i, j))
        return self.days[k]

    def between(self, lo: date, hi: date, n: int) -> list[date]:
        """Return ``n`` sorted distinct working days strictly between lo and hi, or []."""
        inner = self.days[bisect_right(self.days, lo) : bisect_left(self.days, hi)]
        return sorted(self.rng.sample(inner, n)) if len(inner) >= n else []

    def shift(self, d: date, n: int) -> date:
        return self.calendar.add_working_days(d, n)

    def at(self, d: date) -> datetime:
        """Return an aware UTC instant in office hours (08:00-11:30, 13:30-17:00) of day ``d``."""
        m = self.rng.randrange(420)
        minutes = 8 * 60 + m if m < 210 else 13 * 60 + 30 + m - 210
        local = datetime.combine(d, time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return local.astimezone(UTC)


def plan_assignments(
    world: dict, units: list[UnitSpec], calendar: WorkCalendar, tz: tzinfo
) -> list[AssignmentPlan]:
    """Return every assignment of the demo with its state and history as of AS_OF."""
    rng = random.Random(SEED)
    created_at = TASKS_CREATED.replace(tzinfo=tz).astimezone(UTC)
    timeline = Timeline(rng, calendar, tz, TASKS_CREATED.date())
    exclusive = current_app.config["DEADLINE_BEFORE_IS_EXCLUSIVE"]
    by_code = {u.code: u for u in units}
    scopes = {
        "all": units,
        "central": [u for u in units if u.group == UnitGroup.CENTRAL],
        "local": [u for u in units if u.group == UnitGroup.LOCAL],
    }
    plans = []
    for number, spec in enumerate(world["tasks"]):
        task = TaskPlan(
            title=spec["title"],
            description=" ".join(spec["description"].split()),
            field=str(Field(spec["field"])),
            priority=spec.get("priority", False),
            owner=spec["owner"],
            deadline=parse_deadline(spec["deadline"], before_is_exclusive=exclusive),
            evidence=spec["evidence"],
            created_at=created_at + timedelta(minutes=number),  # keeps the plan's order by time
        )
        for block in spec["assign"]:
            scope = block["units"]
            members = scopes[scope] if isinstance(scope, str) else [by_code[c] for c in scope]
            states = _deal_states(rng, members, block)
            role = AssignmentRole(block.get("role", AssignmentRole.LEAD))
            for unit in members:
                state, late = states[unit.code]
                plan = AssignmentPlan(task, unit, role, state, [])
                _plan_history(plan, late, timeline, world, rng)
                plans.append(plan)
    return plans


def _deal_states(
    rng: random.Random, members: list[UnitSpec], block: dict
) -> dict[str, tuple[str, bool]]:
    """Return each member's (state, late) so that the block's counts hold exactly."""
    completed, late = block.get("completed", 0), block.get("late", 0)
    dealt = (
        [(S.COMPLETED, False)] * (completed - late)
        + [(S.COMPLETED, True)] * late
        + [(S.SUBMITTED, False)] * block.get("submitted", 0)
        + [(S.IN_PROGRESS, False)] * block.get("in_progress", 0)
    )
    if late > completed or len(dealt) > len(members):
        raise ValueError(f"demo counts do not fit {len(members)} units: {block}")
    dealt += [(S.ASSIGNED, False)] * (len(members) - len(dealt))
    others = [u for u in members if u.code not in DILIGENT]
    rng.shuffle(others)
    order = [u for u in members if u.code in DILIGENT] + others
    return {u.code: (str(s), is_late) for u, (s, is_late) in zip(order, dealt, strict=True)}


def _plan_history(
    plan: AssignmentPlan,
    late: bool,
    tl: Timeline,
    world: dict,
    rng: random.Random,
) -> None:
    """Fill the plan's steps, dates and evidence so that they lead to its state by AS_OF."""
    steps = plan.steps
    steps.append(Step(plan.task.created_at, "assigned", None, S.ASSIGNED, True))
    if plan.state == S.ASSIGNED:
        return
    due = plan.task.deadline.due
    confirm_lag = rng.randint(1, 4)
    if plan.state == S.COMPLETED:
        latest = tl.shift(tl.last, -confirm_lag)
        if late:
            submitted = tl.day(due + timedelta(days=1), min(latest, due + timedelta(days=45)))
        else:
            submitted = tl.day(tl.shift(tl.first, 3), min(latest, due), near_hi=True)
    elif plan.state == S.SUBMITTED:
        submitted = tl.day(tl.shift(tl.last, -7), tl.last)
    else:
        submitted = None
    if submitted:  # worked on for up to two months before reporting
        start = tl.day(max(tl.first, submitted - timedelta(days=60)), tl.shift(submitted, -1))
    else:
        start = tl.day(tl.first, tl.last)
    if start is None or (plan.state != S.IN_PROGRESS and submitted is None):
        raise ValueError(f"no room in the calendar for {plan.task.title!r} / {plan.unit.code}")
    steps.append(Step(tl.at(start), "state", S.ASSIGNED, S.IN_PROGRESS, False))
    if submitted is None:
        if rng.random() < 0.6 and (note_day := tl.day(start + timedelta(days=1), tl.last)):
            note = rng.choice(world["progress_notes"])
            steps.append(Step(tl.at(note_day), "note", None, None, False, note))
        return
    returned = plan.state == S.COMPLETED and rng.random() < 0.08
    first_submit, return_day = (tl.between(start, submitted, 2) if returned else []) or (None, None)
    if rng.random() < 0.3 and (days := tl.between(start, first_submit or submitted, 1)):
        note = rng.choice(world["progress_notes"])
        steps.append(Step(tl.at(days[0]), "note", None, None, False, note))
    plan.evidence = _evidence(plan, submitted, tl, world, rng)
    note = f"Báo cáo hoàn thành, kèm văn bản số {plan.evidence['doc_number']}."
    if first_submit:
        reason = rng.choice(world["return_notes"])
        steps.append(Step(tl.at(first_submit), "state", S.IN_PROGRESS, S.SUBMITTED, False, note))
        steps.append(Step(tl.at(return_day), "state", S.SUBMITTED, S.IN_PROGRESS, True, reason))
    steps.append(Step(tl.at(submitted), "state", S.IN_PROGRESS, S.SUBMITTED, False, note))
    plan.submitted_on = submitted
    if plan.state == S.COMPLETED:
        plan.completed_at = tl.at(tl.shift(submitted, confirm_lag))
        steps.append(Step(plan.completed_at, "state", S.SUBMITTED, S.COMPLETED, True))


def _evidence(
    plan: AssignmentPlan, submitted: date, tl: Timeline, world: dict, rng: random.Random
) -> dict:
    """Return the fields of the document a unit reported completion with."""
    unit, spec = plan.unit, plan.task.evidence
    local = unit.group == UnitGroup.LOCAL
    level = "thành phố" if unit.kind == UnitKind.CITY else "tỉnh"
    signers = world["signers"]
    choices = spec.get("signers") or (
        signers["local"] if local else signers["by_code"].get(unit.code, signers["central"])
    )
    low, high = spec.get("number_range", (100, 3999) if local else (50, 2999))
    number = spec.get("number", "{n}/{doc}-{issuer}").format(
        n=rng.randint(low, high), doc=spec["doc"], issuer="UBND" if local else unit.code
    )
    # Mid-sentence, "Tỉnh Hà Giang" is written "tỉnh Hà Giang"; ministries keep their capital.
    in_sentence = unit.name[0].lower() + unit.name[1:] if local else unit.name
    signed = submitted if rng.random() < 0.5 else tl.shift(submitted, -1)
    return {
        "doc_number": number,
        "doc_date": signed,
        "signer": rng.choice(choices).format(level=level),
        "summary": spec["summary"].format(unit=in_sentence),
    }


def sample_logins(
    world: dict, units: list[UnitSpec], plans: list[AssignmentPlan]
) -> list[tuple[str, str]]:
    """Return staff logins, then focal points of BTTTT, Hà Nội and a catalogue laggard."""
    logins = [(s["email"], s["role"]) for s in world["staff"]]
    by_code = {u.code: u for u in units}
    laggard = next(
        p.unit
        for p in plans
        if p.task.title == CATALOGUE_TASK
        and p.unit.group == UnitGroup.LOCAL
        and p.state != S.COMPLETED
    )
    for unit in (*(by_code[c] for c in SAMPLE_UNITS), laggard):
        logins.append((unit.focal_email, str(Role.FOCAL_POINT)))
    return logins


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
        password_hash = generate_password_hash(password)  # once: scrypt is slow by design
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
    created: Counter[str],
) -> None:
    """Create the missing assignments with their history and evidence."""
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
        new.append(
            Assignment(
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
        )
        created["events"] += len(events)
        created["evidence"] += len(evidence)
    db.session.add_all(new)
    created["assignments"] = len(new)
