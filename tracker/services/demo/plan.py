"""Planning the demo deterministically: who is in which state, with which history."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from tracker.domain.calendar import WorkCalendar
from tracker.domain.deadlines import parse_deadline
from tracker.models import (
    AssignmentRole,
    Field,
    Role,
    UnitGroup,
    UnitKind,
)
from tracker.services.demo.world import (
    AS_OF,
    CATALOGUE_TASK,
    DILIGENT,
    SAMPLE_UNITS,
    SEED,
    TASKS_CREATED,
    AssignmentPlan,
    S,
    Step,
    TaskPlan,
    UnitSpec,
)


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
    world: dict,
    units: list[UnitSpec],
    calendar: WorkCalendar,
    tz: tzinfo,
    *,
    before_is_exclusive: bool,
) -> list[AssignmentPlan]:
    """Return every assignment of the demo with its state and history as of AS_OF; task
    deadlines are read as ``parse_deadline`` reads them with ``before_is_exclusive``."""
    rng = random.Random(SEED)
    created_at = TASKS_CREATED.replace(tzinfo=tz).astimezone(UTC)
    timeline = Timeline(rng, calendar, tz, TASKS_CREATED.date())
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
            deadline=parse_deadline(spec["deadline"], before_is_exclusive=before_is_exclusive),
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
