"""Which reminder each assignment is due for today: threshold crossing, exactly once.

Stages are named by their distance to the due date in working days, so a key in the ledger
means the same thing whatever the policy later becomes: "before-7", "before-3", "before-1",
"due", "overdue-3", "overdue-6", ... (working days overdue), "escalation", and
"returned-YYYYMMDD" for a submission returned for rework on that date.

A due date on a day off whose task follows the rule of Bộ luật Dân sự 2015, art. 148(5)
(`rolls_for`, see `tracker.domain.days_off`) ends at the end of the next working day, and
every stage is counted from that effective date: a due date on Sunday 30/06/2024 gives
before-1 on Friday 28/06, due on Monday 01/07 and overdue-3 on Thursday 04/07.

One that does not roll: the "due" notice goes out on the last working day before it (the
last day the unit can act, and the day `time_status` reports 0 working days left), so every
"before-N" notice is sent exactly N working days ahead; overdue stages count working days
after the due date itself: before-1 on Thursday 27/06, due on Friday 28/06 and overdue-3 on
Wednesday 03/07.

Either way the ledger's anchor stays the written due date in force (`ledger_key`): it names
the deadline the unit was given, so a notice is sent once whatever the rule or the calendar
later say, and only a new due date (an extension) re-arms the reminders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import effective_due
from tracker.domain.reminders.policy import ReminderPolicy
from tracker.domain.status import AssignmentState

DUE_STAGE = "due"
ESCALATION_STAGE = "escalation"
RETURNED_PREFIX = "returned-"


class Audience(StrEnum):
    """Who a notice is for; the shell resolves the addresses."""

    FOCAL = "focal"  # the unit's active focal points
    HEAD = "head"  # the unit head as To, the task's coordinator in copy


def before_stage(working_days: int) -> str:
    """Return the key of the reminder sent `working_days` working days before the due date."""
    return f"before-{working_days}"


def overdue_stage(working_days: int) -> str:
    """Return the key of the notice sent `working_days` working days after the due date."""
    return f"overdue-{working_days}"


def returned_stage(returned_on: date) -> str:
    """Return the key of the notice that a submission was returned for rework on that date."""
    return f"{RETURNED_PREFIX}{returned_on:%Y%m%d}"


def stage_kind(stage: str) -> str:
    """Return "before", "due", "overdue", "escalation" or "returned" for a stage key."""
    return stage.split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class ScheduledStage:
    """One stage of a deadline's schedule, with the wording numbers it carries that day."""

    stage: str
    day: date
    audience: Audience
    days_overdue: int | None = None  # calendar days, as reports count them
    working_days_left: int | None = None


class AssignmentSnapshot(NamedTuple):
    """What planning needs of one assignment. `due` is the due date in force; `returned_on`
    is set while a submission returned for rework has not been submitted again.

    A named tuple rather than a frozen dataclass: a sweep builds one per open assignment
    (a million in a large programme), and a tuple is built in half the time."""

    id: int
    task_id: int
    unit_id: int
    state: str
    due: date | None
    returned_on: date | None = None
    submitted_on: date | None = None


class Notice(NamedTuple):
    """One stage to send for one assignment, with the numbers its wording needs as of today
    (a named tuple, for the same reason as `AssignmentSnapshot`)."""

    assignment_id: int
    task_id: int
    unit_id: int
    stage: str
    audience: Audience
    due: date | None
    days_overdue: int | None
    working_days_left: int | None
    returned_on: date | None = None  # set on "returned-…" notices only
    effective: date | None = None  # set when `due` rolls off a day off to this working day


def ledger_key(notice: Notice) -> tuple[int, str, date]:
    """Return (assignment id, stage, anchor date) for the ledger's unique key; the shell adds
    the recipient. The anchor is the due date in force, or the return date for a rework notice
    (so moving the due date re-arms deadline stages but does not repeat a rework notice, and
    the key never holds NULL, which unique constraints would not compare)."""
    if notice.returned_on is not None:
        return notice.assignment_id, notice.stage, notice.returned_on
    if notice.due is None:
        raise ValueError(f"a {notice.stage!r} notice needs a due date")
    return notice.assignment_id, notice.stage, notice.due


def sent_stages(due: date | None, ledger_rows: Iterable[tuple[str, date]]) -> frozenset[str]:
    """Return the stages of one assignment's ledger rows (stage, anchor date) that count as
    sent for the due date in force: deadline stages of that date and every rework notice.

    A row counts whatever its delivery status: failed sends are retried from the ledger,
    never planned again.
    """
    return frozenset(
        stage for stage, day in ledger_rows if day == due or stage.startswith(RETURNED_PREFIX)
    )


def stage_schedule(
    due: date, policy: ReminderPolicy, calendar: WorkCalendar, horizon: date, rolls: bool = False
) -> list[ScheduledStage]:
    """Return every stage of `due` falling on or before `horizon`, by date (focal first);
    with `rolls`, counted from its effective date."""
    due = effective_due(due, calendar, rolls)
    anchor = calendar.previous_working_day(due)
    stages = [
        ScheduledStage(
            before_stage(n), calendar.add_working_days(anchor, -n), Audience.FOCAL, None, n
        )
        for n in set(policy.before)
    ]
    if policy.on_due_day:
        stages.append(ScheduledStage(DUE_STAGE, anchor, Audience.FOCAL, None, 0))
    late = policy.overdue_every
    day = calendar.add_working_days(due, late)
    while day <= horizon:
        stages.append(ScheduledStage(overdue_stage(late), day, Audience.FOCAL, (day - due).days))
        late += policy.overdue_every
        day = calendar.add_working_days(day, policy.overdue_every)
    day = calendar.add_working_days(due, policy.escalate_after)
    stages.append(ScheduledStage(ESCALATION_STAGE, day, Audience.HEAD, (day - due).days))
    stages = [s for s in stages if s.day <= horizon]
    stages.sort(key=lambda s: (s.day, s.audience != Audience.FOCAL))
    return stages


# (focal stage, head stage, days overdue, working days left): the same for every assignment
# of one policy and due date on a given day, which is what makes a sweep cheap.
_Current = tuple[str | None, str | None, int | None, int | None]


def _current_stages(
    due: date, policy: ReminderPolicy, calendar: WorkCalendar, today: date
) -> _Current:
    """Return the latest stage of each track reached by `today` (a working day).

    Arithmetic on working-day counts instead of a schedule: before-N is reached once at most
    N working days are left, overdue-n once n working days have passed, so the cost does not
    grow with how long an assignment has been overdue.
    """
    if today <= due:
        left = calendar.working_days_between(today, due)
        if left == 0 and policy.on_due_day:
            return DUE_STAGE, None, None, 0
        reached = [n for n in policy.before if n >= left]
        return (before_stage(min(reached)) if reached else None), None, None, left
    late = calendar.working_days_between(due, today)
    every = policy.overdue_every
    if late >= every:
        focal: str | None = overdue_stage(late - late % every)
    elif policy.on_due_day:
        focal = DUE_STAGE
    elif policy.before:
        focal = before_stage(min(policy.before))
    else:
        focal = None
    head = ESCALATION_STAGE if late >= policy.escalate_after else None
    return focal, head, (today - due).days, None


_REMINDED_STATES = frozenset({AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS})
_NOTHING_SENT: frozenset[str] = frozenset()


def _never_rolls(_task_id: int) -> bool:
    return False


# Per (policy, rolls): {written due date: (effective date, current stages)}.
_Plans = tuple[ReminderPolicy, bool, dict[date, tuple[date, _Current]]]


def _plan_of(
    plans: _Plans, due: date, calendar: WorkCalendar, today: date
) -> tuple[date, _Current]:
    policy, rolls, by_due = plans
    found = by_due.get(due)
    if found is None:
        effective = effective_due(due, calendar, rolls)
        found = by_due[due] = (effective, _current_stages(effective, policy, calendar, today))
    return found


def plan_sweep(
    snapshots: Iterable[AssignmentSnapshot],
    policy_for: Callable[[int], ReminderPolicy],
    calendar: WorkCalendar,
    today: date,
    sent: Mapping[int, frozenset[str]],
    rolls_for: Callable[[int], bool] = _never_rolls,
) -> list[Notice]:
    """Return the notices to send today, in snapshot order (focal, head, rework per assignment).

    Per assignment and track (focal: before/due/overdue; head: escalation) only the latest
    stage reached by `today` goes out, and only if its key is not in `sent[assignment id]`
    (see `sent_stages`): nothing is replayed after downtime, nothing is dropped for an
    assignment created late, and a new due date (an empty sent set) re-arms the reminders.
    Nothing on days off, nor for submitted, completed or not-applicable assignments.
    `policy_for(task_id)` and `rolls_for(task_id)` (whether its deadlines on a day off roll
    to the next working day) are called once per task; policies must be valid.
    """
    if not calendar.is_working_day(today):
        return []
    notices: list[Notice] = []
    append = notices.append
    by_task: dict[int, _Plans] = {}
    by_policy: dict[tuple[ReminderPolicy, bool], _Plans] = {}
    returned_keys: dict[date, str] = {}
    focal_audience, head_audience = Audience.FOCAL, Audience.HEAD
    reminded = _REMINDED_STATES
    for aid, tid, uid, state, due, returned_on, _submitted_on in snapshots:
        if state not in reminded:
            continue
        done = None
        late = left = moved = None
        if due is not None:
            plans = by_task.get(tid)
            if plans is None:
                key = (policy_for(tid), rolls_for(tid))
                plans = by_task[tid] = by_policy.setdefault(key, (*key, {}))
            effective, (focal, head, late, left) = _plan_of(plans, due, calendar, today)
            moved = effective if effective != due else None
            if focal is not None or head is not None:
                done = sent.get(aid, _NOTHING_SENT)
                if focal is not None and focal not in done:
                    append(
                        Notice(aid, tid, uid, focal, focal_audience, due, late, left, None, moved)
                    )
                if head is not None and head not in done:
                    append(Notice(aid, tid, uid, head, head_audience, due, late, left, None, moved))
        if returned_on is not None and returned_on <= today:
            key = returned_keys.get(returned_on)
            if key is None:
                key = returned_keys[returned_on] = returned_stage(returned_on)
            if done is None:
                done = sent.get(aid, _NOTHING_SENT)
            if key not in done:
                append(
                    Notice(aid, tid, uid, key, focal_audience, due, late, left, returned_on, moved)
                )
    return notices


def stages_asked(
    snapshots: Iterable[AssignmentSnapshot],
    policy_for: Callable[[int], ReminderPolicy],
    calendar: WorkCalendar,
    today: date,
    rolls_for: Callable[[int], bool] = _never_rolls,
) -> set[tuple[date | None, str]]:
    """Return every (anchor date, stage) that `plan_sweep` may look up in a sent set today:
    the current focal and head stages of each due date in force, and each rework notice
    as (None, key) since a rework row counts whatever its date (see `sent_stages`).

    The shell fetches only these ledger rows: a sent set restricted to them plans the same
    notices, and the rows of stages already passed, which grow every day, stay unread.
    """
    if not calendar.is_working_day(today):
        return set()
    asked: set[tuple[date | None, str]] = set()
    dues: dict[int, set[date]] = {}
    for _aid, tid, _uid, state, due, returned_on, _submitted_on in snapshots:
        if state not in _REMINDED_STATES:
            continue
        if due is not None:
            dues.setdefault(tid, set()).add(due)
        if returned_on is not None and returned_on <= today:
            asked.add((None, returned_stage(returned_on)))
    by_policy: dict[tuple[ReminderPolicy, bool], set[date]] = {}
    for tid, days in dues.items():
        by_policy.setdefault((policy_for(tid), rolls_for(tid)), set()).update(days)
    for (policy, rolls), days in by_policy.items():
        plans: _Plans = (policy, rolls, {})
        for due in days:
            _effective, (focal, head, _late, _left) = _plan_of(plans, due, calendar, today)
            asked.update((due, stage) for stage in (focal, head) if stage is not None)
    return asked


def plan_assignment(
    snapshot: AssignmentSnapshot,
    policy: ReminderPolicy,
    calendar: WorkCalendar,
    today: date,
    sent: frozenset[str] = _NOTHING_SENT,
    rolls: bool = False,
) -> list[Notice]:
    """Return the notices to send today for one assignment (see `plan_sweep`)."""
    return plan_sweep(
        [snapshot],
        lambda _task_id: policy,
        calendar,
        today,
        {snapshot.id: sent},
        lambda _task_id: rolls,
    )
