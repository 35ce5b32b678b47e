"""Which ledger stages a sweep needs: `stages_asked` names every (anchor, stage) that
planning may look up, so a sent set restricted to them plans exactly the same notices."""

import random
from datetime import date, timedelta

import pytest

from tracker.domain.calendar import WorkCalendar
from tracker.domain.reminders.planning import (
    AssignmentSnapshot,
    plan_sweep,
    returned_stage,
    sent_stages,
    stage_schedule,
    stages_asked,
)
from tracker.domain.reminders.policy import DEFAULT_POLICY, ReminderPolicy
from tracker.domain.status import AssignmentState

D = date
S = AssignmentState
CAL = WorkCalendar()
TODAY = D(2024, 5, 2)  # a Thursday
QUICK = ReminderPolicy(before=(2,), on_due_day=False, overdue_every=1, escalate_after=2)


def snap(id=1, task_id=10, state=S.IN_PROGRESS, due=TODAY, returned_on=None):
    return AssignmentSnapshot(id, task_id, 7, state, due, returned_on)


@pytest.mark.parametrize(
    ("snapshots", "policies", "today", "expected"),
    [
        ([], {}, TODAY, set()),
        # due today: the "due" stage only
        ([snap(due=TODAY)], {}, TODAY, {(TODAY, "due")}),
        # three working days ahead (Saturday 04/05/2024 is a working day): before-3
        ([snap(due=D(2024, 5, 6))], {}, TODAY, {(D(2024, 5, 6), "before-3")}),
        # four working days ahead: before-7
        ([snap(due=D(2024, 5, 7))], {}, TODAY, {(D(2024, 5, 7), "before-7")}),
        # far ahead: no stage reached yet
        ([snap(due=D(2024, 6, 28))], {}, TODAY, set()),
        # five working days late (30/04 and 01/05 are holidays): overdue-3 and the escalation
        (
            [snap(due=D(2024, 4, 22))],
            {},
            TODAY,
            {(D(2024, 4, 22), "overdue-3"), (D(2024, 4, 22), "escalation")},
        ),
        # three working days late: overdue-3 only
        ([snap(due=D(2024, 4, 24))], {}, TODAY, {(D(2024, 4, 24), "overdue-3")}),
        # a task's own policy gives its own stage for the same due date
        (
            [snap(1, 10, due=D(2024, 5, 4)), snap(2, 11, due=D(2024, 5, 4))],
            {11: QUICK},
            TODAY,
            {(D(2024, 5, 4), "before-3"), (D(2024, 5, 4), "before-2")},
        ),
        # a return for rework: its key, whatever the date
        (
            [snap(due=None, returned_on=D(2024, 4, 30))],
            {},
            TODAY,
            {(None, "returned-20240430")},
        ),
        # a return dated after today is not asked yet
        ([snap(due=None, returned_on=D(2024, 5, 3))], {}, TODAY, set()),
        # submitted, completed and not-applicable assignments are never reminded
        ([snap(state=S.SUBMITTED), snap(state=S.COMPLETED)], {}, TODAY, set()),
        # nothing on a day off
        ([snap(due=D(2024, 5, 6))], {}, D(2024, 5, 5), set()),
    ],
)
def test_stages_asked_are_the_current_stage_of_each_track_and_each_rework_key(
    snapshots, policies, today, expected
):
    policy_for = lambda task_id: policies.get(task_id, DEFAULT_POLICY)  # noqa: E731
    assert stages_asked(snapshots, policy_for, CAL, today) == expected


def _restricted(sent, snapshots, asked):
    due = {s.id: s.due for s in snapshots}
    return {
        aid: frozenset(
            stage for stage in stages if (due[aid], stage) in asked or (None, stage) in asked
        )
        for aid, stages in sent.items()
    }


@pytest.mark.parametrize("seed", range(12))
def test_a_sent_set_restricted_to_the_stages_asked_plans_the_same_notices(seed):
    rng = random.Random(seed)
    policies = {10: DEFAULT_POLICY, 11: QUICK, 12: ReminderPolicy(before=(5, 1))}
    policy_for = policies.__getitem__
    today = CAL.add_working_days(D(2024, 5, 2), rng.randrange(0, 40))
    states = [S.ASSIGNED, S.IN_PROGRESS, S.SUBMITTED, S.COMPLETED]
    snapshots, sent = [], {}
    for aid in range(1, 201):
        due = None if rng.random() < 0.05 else today + timedelta(days=rng.randrange(-60, 30))
        returned = today - timedelta(days=rng.randrange(-3, 20)) if rng.random() < 0.2 else None
        s = snap(aid, rng.choice(list(policies)), rng.choice(states), due, returned)
        snapshots.append(s)
        # a ledger as past sweeps leave it: stages of this and of an earlier due date,
        # some skipped, some rework notices
        rows = []
        for anchor in filter(None, (due, due and due - timedelta(days=7))):
            schedule = stage_schedule(anchor, policy_for(s.task_id), CAL, today)
            rows += [(x.stage, anchor) for x in schedule if rng.random() < 0.7]
        if returned is not None and rng.random() < 0.5:
            rows.append((returned_stage(returned), returned))
        if rows:
            sent[aid] = sent_stages(due, rows)
    asked = stages_asked(snapshots, policy_for, CAL, today)
    full = plan_sweep(snapshots, policy_for, CAL, today, sent)
    assert full  # the draw plans something
    assert (
        plan_sweep(snapshots, policy_for, CAL, today, _restricted(sent, snapshots, asked)) == full
    )
