import json
from datetime import date, timedelta

import pytest

from tracker.domain.calendar import WorkCalendar
from tracker.domain.reminders.planning import (
    AssignmentSnapshot,
    Audience,
    Notice,
    ScheduledStage,
    before_stage,
    ledger_key,
    overdue_stage,
    plan_assignment,
    plan_sweep,
    returned_stage,
    sent_stages,
    stage_kind,
    stage_schedule,
)
from tracker.domain.reminders.policy import DEFAULT_POLICY, PolicyError, ReminderPolicy
from tracker.domain.status import AssignmentState

D = date
S = AssignmentState
P = ReminderPolicy
CAL = WorkCalendar()
FOCAL, HEAD = Audience.FOCAL, Audience.HEAD


DUE = D(2024, 5, 2)


def snap(state=S.IN_PROGRESS, due=DUE, returned_on=None, id=1, task_id=10, unit_id=7):
    return AssignmentSnapshot(id, task_id, unit_id, state, due, returned_on)


# --- policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "codes"),
    [
        (P(), []),
        (P(before=()), []),
        (P(before=(1,), on_due_day=False, overdue_every=1, escalate_after=1), []),
        (P(before=tuple(range(1, 11))), []),
        (P(before=(250,), overdue_every=250, escalate_after=250), []),
        (P(before=(7, 0, 1)), ["before_not_positive"]),
        (P(before=(-3,)), ["before_not_positive"]),
        (P(before=(7, 3, 3)), ["before_duplicate"]),
        (P(before=tuple(range(1, 12))), ["before_too_many"]),
        (P(before=(251,)), ["before_too_large"]),
        (P(before=(7, "3")), ["before_not_integer"]),
        (P(before=(True,)), ["before_not_integer"]),
        (P(on_due_day="yes"), ["on_due_day_not_boolean"]),
        (P(overdue_every=0), ["overdue_every_not_positive"]),
        (P(overdue_every=251), ["overdue_every_too_large"]),
        (P(overdue_every=2.5), ["overdue_every_not_integer"]),
        (P(escalate_after=0), ["escalate_after_not_positive"]),
        (P(escalate_after=None), ["escalate_after_not_integer"]),
        (
            P(before=(0, 0), overdue_every=-1, escalate_after=0),
            [
                "before_not_positive",
                "before_duplicate",
                "overdue_every_not_positive",
                "escalate_after_not_positive",
            ],
        ),
    ],
)
def test_policy_validation_returns_stable_error_codes(policy, codes):
    assert policy.validate() == codes


def test_default_policy_is_seven_three_one_then_every_three_escalating_after_five():
    expected = P(before=(7, 3, 1), on_due_day=True, overdue_every=3, escalate_after=5)
    assert expected == DEFAULT_POLICY


def test_policy_before_given_as_a_list_is_stored_as_a_tuple_and_hashable():
    policy = P(before=[7, 3, 1])
    assert policy.before == (7, 3, 1)
    assert hash(policy) == hash(DEFAULT_POLICY)


@pytest.mark.parametrize(
    "policy",
    [P(), P(before=()), P(before=(10, 5, 2), on_due_day=False, overdue_every=1, escalate_after=9)],
)
def test_policy_survives_a_json_round_trip(policy):
    assert P.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, P()),
        ({}, P()),
        ({"before": [5]}, P(before=(5,))),
        ({"overdue_every": 2, "unknown": "ignored"}, P(overdue_every=2)),
        ({"on_due_day": False, "escalate_after": 10}, P(on_due_day=False, escalate_after=10)),
    ],
)
def test_policy_from_dict_fills_missing_keys_with_defaults(data, expected):
    assert P.from_dict(data) == expected


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        ([7, 3, 1], ["not_a_mapping"]),
        ({"before": "7,3,1"}, ["before_not_integer"]),
        ({"before": None}, ["before_not_integer"]),
        ({"before": 7}, ["before_not_integer"]),
        ({"before": ["7"]}, ["before_not_integer"]),
        ({"overdue_every": "3"}, ["overdue_every_not_integer"]),
        ({"on_due_day": 1}, ["on_due_day_not_boolean"]),
        ({"escalate_after": 0}, ["escalate_after_not_positive"]),
        ({"before": [3, 3]}, ["before_duplicate"]),
    ],
)
def test_policy_from_dict_rejects_bad_data_with_codes(data, codes):
    with pytest.raises(ValueError) as caught:
        P.from_dict(data)
    assert isinstance(caught.value, PolicyError)
    assert caught.value.codes == codes


# --- stage keys and the ledger ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (before_stage(7), "before"),
        ("due", "due"),
        (overdue_stage(6), "overdue"),
        ("escalation", "escalation"),
        (returned_stage(D(2024, 2, 29)), "returned"),
    ],
)
def test_stage_keys_name_their_kind(key, kind):
    assert stage_kind(key) == kind


def test_stage_keys_are_stable_strings():
    assert [before_stage(7), overdue_stage(3), returned_stage(D(2024, 5, 3))] == [
        "before-7",
        "overdue-3",
        "returned-20240503",
    ]


@pytest.mark.parametrize(
    ("notice", "key"),
    [
        (Notice(1, 10, 7, "before-3", FOCAL, DUE, None, 3), (1, "before-3", DUE)),
        (Notice(1, 10, 7, "escalation", HEAD, DUE, 6, None), (1, "escalation", DUE)),
        (
            Notice(1, 10, 7, "returned-20240503", FOCAL, D(2024, 5, 2), 1, None, D(2024, 5, 3)),
            (1, "returned-20240503", D(2024, 5, 3)),
        ),
        (
            Notice(1, 10, 7, "returned-20240503", FOCAL, None, None, None, D(2024, 5, 3)),
            (1, "returned-20240503", D(2024, 5, 3)),
        ),
    ],
)
def test_ledger_key_is_anchored_on_the_due_date_or_the_return_date(notice, key):
    assert ledger_key(notice) == key


def test_ledger_key_refuses_a_deadline_notice_without_due_date():
    with pytest.raises(ValueError):
        ledger_key(Notice(1, 10, 7, "due", FOCAL, None, None, 0))


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (D(2024, 5, 2), {"before-7", "due", "returned-20240503"}),
        (D(2024, 5, 20), {"before-7", "returned-20240503"}),
        (None, {"returned-20240503"}),
    ],
)
def test_sent_stages_keep_only_the_due_date_in_force_and_every_rework_notice(due, expected):
    rows = [
        ("before-7", D(2024, 5, 2)),
        ("due", D(2024, 5, 2)),
        ("returned-20240503", D(2024, 5, 3)),
        ("before-7", D(2024, 5, 20)),
    ]
    assert sent_stages(due, rows) == expected


# --- the schedule -------------------------------------------------------------------------------

SCHEDULES = {
    # Reunification Day and Labour Day (30/4, 1/5) with the weekend before, and the swapped
    # working Saturday 04/05; Hùng Kings' day (Thursday 18/04) inside before-7's count.
    D(2024, 5, 2): [
        ("before-7", D(2024, 4, 17)),
        ("before-3", D(2024, 4, 24)),
        ("before-1", D(2024, 4, 26)),
        ("due", D(2024, 5, 2)),
        ("overdue-3", D(2024, 5, 6)),
        ("escalation", D(2024, 5, 8)),
        ("overdue-6", D(2024, 5, 9)),
        ("overdue-9", D(2024, 5, 14)),
    ],
    # Due on a Sunday: the due notice on the last working day before it.
    D(2024, 6, 30): [
        ("before-7", D(2024, 6, 19)),
        ("before-3", D(2024, 6, 25)),
        ("before-1", D(2024, 6, 27)),
        ("due", D(2024, 6, 28)),
        ("overdue-3", D(2024, 7, 3)),
        ("escalation", D(2024, 7, 5)),
        ("overdue-6", D(2024, 7, 8)),
        ("overdue-9", D(2024, 7, 11)),
    ],
    # Leap day.
    D(2024, 2, 29): [
        ("before-7", D(2024, 2, 20)),
        ("before-3", D(2024, 2, 26)),
        ("before-1", D(2024, 2, 28)),
        ("due", D(2024, 2, 29)),
        ("overdue-3", D(2024, 3, 5)),
        ("escalation", D(2024, 3, 7)),
        ("overdue-6", D(2024, 3, 8)),
        ("overdue-9", D(2024, 3, 13)),
    ],
    # Across the year end and New Year's Day.
    D(2025, 1, 2): [
        ("before-7", D(2024, 12, 23)),
        ("before-3", D(2024, 12, 27)),
        ("before-1", D(2024, 12, 31)),
        ("due", D(2025, 1, 2)),
        ("overdue-3", D(2025, 1, 7)),
        ("escalation", D(2025, 1, 9)),
        ("overdue-6", D(2025, 1, 10)),
        ("overdue-9", D(2025, 1, 15)),
    ],
    # Due on New Year's Day itself.
    D(2025, 1, 1): [
        ("before-7", D(2024, 12, 20)),
        ("before-3", D(2024, 12, 26)),
        ("before-1", D(2024, 12, 30)),
        ("due", D(2024, 12, 31)),
        ("overdue-3", D(2025, 1, 6)),
        ("escalation", D(2025, 1, 8)),
        ("overdue-6", D(2025, 1, 9)),
        ("overdue-9", D(2025, 1, 14)),
    ],
    # Due inside Tết 2024 (08–14/02 off): the due notice before the break, overdue after it.
    D(2024, 2, 12): [
        ("before-7", D(2024, 1, 29)),
        ("before-3", D(2024, 2, 2)),
        ("before-1", D(2024, 2, 6)),
        ("due", D(2024, 2, 7)),
        ("overdue-3", D(2024, 2, 19)),
        ("escalation", D(2024, 2, 21)),
        ("overdue-6", D(2024, 2, 22)),
        ("overdue-9", D(2024, 2, 27)),
    ],
}


@pytest.mark.parametrize(("due", "expected"), SCHEDULES.items(), ids=str)
def test_stage_schedule_falls_on_the_expected_working_days(due, expected):
    horizon = CAL.add_working_days(due, 10)
    stages = stage_schedule(due, DEFAULT_POLICY, CAL, horizon)
    assert [(s.stage, s.day) for s in stages] == expected
    assert all(CAL.is_working_day(s.day) for s in stages)


@pytest.mark.parametrize("due", SCHEDULES, ids=str)
def test_stage_schedule_carries_the_wording_numbers_of_each_day(due):
    for s in stage_schedule(due, DEFAULT_POLICY, CAL, CAL.add_working_days(due, 10)):
        if s.day <= due:
            assert (s.days_overdue, s.working_days_left) == (
                None,
                CAL.working_days_between(s.day, due),
            )
        else:
            assert (s.days_overdue, s.working_days_left) == ((s.day - due).days, None)
        assert s.audience == (HEAD if s.stage == "escalation" else FOCAL)


@pytest.mark.parametrize(
    ("policy", "horizon", "expected"),
    [
        (P(), D(2024, 4, 25), ["before-7", "before-3"]),
        (
            P(),
            D(2024, 5, 8),
            ["before-7", "before-3", "before-1", "due", "overdue-3", "escalation"],
        ),
        (P(before=(), on_due_day=False), D(2024, 5, 8), ["overdue-3", "escalation"]),
        (
            P(before=(1, 10), overdue_every=1, escalate_after=2),
            D(2024, 5, 6),
            ["before-10", "before-1", "due", "overdue-1", "overdue-2", "escalation", "overdue-3"],
        ),
        (P(), D(2024, 4, 1), []),
    ],
)
def test_stage_schedule_stops_at_the_horizon_and_follows_the_policy(policy, horizon, expected):
    assert [s.stage for s in stage_schedule(D(2024, 5, 2), policy, CAL, horizon)] == expected


def test_stage_schedule_lists_the_escalation_after_a_same_day_overdue_notice():
    stages = stage_schedule(D(2024, 5, 2), P(before=(), escalate_after=3), CAL, D(2024, 5, 6))
    assert stages == [
        ScheduledStage("due", D(2024, 5, 2), FOCAL, None, 0),
        ScheduledStage("overdue-3", D(2024, 5, 6), FOCAL, 4),
        ScheduledStage("escalation", D(2024, 5, 6), HEAD, 4),
    ]


POLICIES = [
    P(),
    P(before=(), on_due_day=False),
    P(before=(5,), on_due_day=False, overdue_every=1, escalate_after=1),
    P(before=(10, 2), overdue_every=2, escalate_after=7),
]


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("due", [*SCHEDULES, D(2024, 5, 4), D(2024, 9, 2)], ids=str)
def test_planning_sends_the_latest_scheduled_stage_of_each_track(policy, due):
    # The planner counts working days instead of walking the schedule: both must agree.
    day = due - timedelta(days=30)
    while day <= due + timedelta(days=40):
        if CAL.is_working_day(day):
            schedule = stage_schedule(due, policy, CAL, day)
            expected = [
                stages[-1]
                for audience in (FOCAL, HEAD)
                if (stages := [s.stage for s in schedule if s.audience == audience])
            ]
            planned = plan_assignment(snap(due=due), policy, CAL, day, frozenset())
            assert [n.stage for n in planned] == expected, day
        day += timedelta(days=1)


# --- planning one assignment ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "stages"),
    [
        (S.ASSIGNED, ["due"]),
        (S.IN_PROGRESS, ["due"]),
        ("in_progress", ["due"]),
        (S.SUBMITTED, []),
        (S.COMPLETED, []),
        (S.NOT_APPLICABLE, []),
        ("archived", []),
    ],
)
def test_only_assigned_and_in_progress_assignments_are_reminded(state, stages):
    planned = plan_assignment(snap(state=state), DEFAULT_POLICY, CAL, D(2024, 5, 2))
    assert [n.stage for n in planned] == stages


@pytest.mark.parametrize(
    "today",
    [D(2024, 4, 27), D(2024, 4, 28), D(2024, 4, 30), D(2024, 5, 1), D(2024, 5, 5), D(2024, 5, 11)],
)
def test_nothing_is_planned_on_days_off(today):
    assert plan_assignment(snap(), DEFAULT_POLICY, CAL, today) == []


def test_the_swapped_working_saturday_is_a_sweep_day():
    planned = plan_assignment(snap(), DEFAULT_POLICY, CAL, D(2024, 5, 4))
    assert planned == [Notice(1, 10, 7, "due", FOCAL, D(2024, 5, 2), 2, None)]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2024, 4, 12), []),
        (D(2024, 4, 16), []),
        (D(2024, 4, 17), [("before-7", FOCAL, None, 7)]),
        (D(2024, 4, 19), [("before-7", FOCAL, None, 6)]),
        (D(2024, 4, 25), [("before-3", FOCAL, None, 2)]),
        (D(2024, 4, 26), [("before-1", FOCAL, None, 1)]),
        (D(2024, 5, 2), [("due", FOCAL, None, 0)]),
        (D(2024, 5, 3), [("due", FOCAL, 1, None)]),
        (D(2024, 5, 6), [("overdue-3", FOCAL, 4, None)]),
        (D(2024, 5, 8), [("overdue-3", FOCAL, 6, None), ("escalation", HEAD, 6, None)]),
        (D(2024, 5, 15), [("overdue-9", FOCAL, 13, None), ("escalation", HEAD, 13, None)]),
        # A year late (253 working days): the overdue stage is computed, not enumerated.
        (D(2025, 5, 6), [("overdue-252", FOCAL, 369, None), ("escalation", HEAD, 369, None)]),
    ],
)
def test_an_assignment_first_seen_on_a_day_gets_its_current_stage_with_wording_numbers(
    today, expected
):
    planned = plan_assignment(snap(), DEFAULT_POLICY, CAL, today)
    assert [(n.stage, n.audience, n.days_overdue, n.working_days_left) for n in planned] == expected
    assert all(n.due == D(2024, 5, 2) for n in planned)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (frozenset(), ["overdue-3", "escalation"]),
        (frozenset({"overdue-3"}), ["escalation"]),
        (frozenset({"escalation"}), ["overdue-3"]),
        (frozenset({"overdue-3", "escalation"}), []),
        # Older stages in the ledger do not stand in for the current one.
        (frozenset({"before-7", "before-3", "before-1", "due"}), ["overdue-3", "escalation"]),
    ],
)
def test_a_stage_already_in_the_ledger_is_not_planned_again(sent, expected):
    planned = plan_assignment(snap(), DEFAULT_POLICY, CAL, D(2024, 5, 8), sent)
    assert [n.stage for n in planned] == expected


@pytest.mark.parametrize(
    ("policy", "today", "expected"),
    [
        (P(on_due_day=False), D(2024, 5, 2), ["before-1"]),
        (P(on_due_day=False), D(2024, 5, 3), ["before-1"]),
        (P(before=(), on_due_day=False), D(2024, 5, 3), []),
        (P(before=(), on_due_day=False), D(2024, 4, 26), []),
        (P(before=(2, 10)), D(2024, 4, 26), ["before-2"]),
        (P(overdue_every=1), D(2024, 5, 3), ["overdue-1"]),
        (P(overdue_every=2, escalate_after=1), D(2024, 5, 3), ["due", "escalation"]),
    ],
)
def test_planning_follows_the_task_policy(policy, today, expected):
    assert [n.stage for n in plan_assignment(snap(), policy, CAL, today)] == expected


@pytest.mark.parametrize(
    ("due", "returned_on", "today", "expected"),
    [
        (None, None, D(2024, 5, 3), []),
        (None, D(2024, 5, 3), D(2024, 5, 3), [("returned-20240503", None, None, D(2024, 5, 3))]),
        (None, D(2024, 5, 3), D(2024, 5, 2), []),
        (
            D(2024, 5, 2),
            D(2024, 5, 3),
            D(2024, 5, 3),
            [("due", 1, None, None), ("returned-20240503", 1, None, D(2024, 5, 3))],
        ),
        (
            D(2024, 5, 20),
            D(2024, 5, 3),
            D(2024, 5, 6),
            [("returned-20240503", None, 10, D(2024, 5, 3))],
        ),
    ],
)
def test_a_return_for_rework_is_its_own_notice_beside_the_deadline_stage(
    due, returned_on, today, expected
):
    planned = plan_assignment(snap(due=due, returned_on=returned_on), DEFAULT_POLICY, CAL, today)
    got = [(n.stage, n.days_overdue, n.working_days_left, n.returned_on) for n in planned]
    assert got == expected
    assert all(n.audience == FOCAL for n in planned)


def test_a_return_for_rework_is_sent_once():
    s = snap(due=D(2024, 5, 20), returned_on=D(2024, 5, 3))
    assert [n.stage for n in plan_assignment(s, DEFAULT_POLICY, CAL, D(2024, 5, 6))] == [
        "returned-20240503"
    ]
    assert (
        plan_assignment(s, DEFAULT_POLICY, CAL, D(2024, 5, 6), frozenset({"returned-20240503"}))
        == []
    )


# --- a whole sweep ------------------------------------------------------------------------------


def test_a_sweep_applies_each_task_policy_and_asks_for_it_once_per_task():
    asked = []
    policies = {10: P(), 11: P(before=(2,), on_due_day=False)}

    def policy_for(task_id):
        asked.append(task_id)
        return policies[task_id]

    snapshots = [
        snap(id=1, task_id=10, due=D(2024, 4, 26)),
        snap(id=2, task_id=11, due=D(2024, 4, 26)),
        snap(id=3, task_id=10, due=D(2024, 4, 26)),
        snap(id=4, task_id=11, due=D(2024, 4, 29)),
        snap(id=5, task_id=10, due=None),
        snap(id=6, task_id=10, state=S.COMPLETED),
    ]
    planned = plan_sweep(snapshots, policy_for, CAL, D(2024, 4, 26), {3: frozenset({"due"})})
    assert [(n.assignment_id, n.stage) for n in planned] == [
        (1, "due"),
        (2, "before-2"),
        (4, "before-2"),
    ]
    assert sorted(asked) == [10, 11]


def test_a_sweep_on_a_day_off_plans_nothing_and_asks_for_no_policy():
    def policy_for(task_id):
        raise AssertionError("not needed")

    assert plan_sweep([snap()], policy_for, CAL, D(2024, 4, 30), {}) == []
