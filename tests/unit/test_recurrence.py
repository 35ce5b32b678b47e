from datetime import date

import pytest

from tracker.domain.calendar import WorkCalendar
from tracker.domain.recurrence import (
    MAX_PERIODS,
    DayRule,
    Period,
    Recurrence,
    RecurrenceError,
    calendar_period,
    classify,
)

D = date


def _spans(periods) -> list[tuple[date, date]]:
    return [(p.start, p.end) for p in periods]


@pytest.mark.parametrize(
    ("frequency", "day", "start", "end", "kind", "number"),
    [
        ("monthly", D(2024, 2, 10), D(2024, 2, 1), D(2024, 2, 29), "month", 2),
        ("monthly", D(2023, 2, 28), D(2023, 2, 1), D(2023, 2, 28), "month", 2),
        ("monthly", D(2028, 2, 1), D(2028, 2, 1), D(2028, 2, 29), "month", 2),
        ("monthly", D(2025, 4, 30), D(2025, 4, 1), D(2025, 4, 30), "month", 4),
        ("monthly", D(2025, 12, 31), D(2025, 12, 1), D(2025, 12, 31), "month", 12),
        ("quarterly", D(2025, 1, 1), D(2025, 1, 1), D(2025, 3, 31), "quarter", 1),
        ("quarterly", D(2025, 5, 20), D(2025, 4, 1), D(2025, 6, 30), "quarter", 2),
        ("quarterly", D(2025, 9, 30), D(2025, 7, 1), D(2025, 9, 30), "quarter", 3),
        ("quarterly", D(2025, 10, 1), D(2025, 10, 1), D(2025, 12, 31), "quarter", 4),
        ("half_yearly", D(2025, 6, 30), D(2025, 1, 1), D(2025, 6, 30), "half", 1),
        ("half_yearly", D(2025, 7, 1), D(2025, 7, 1), D(2025, 12, 31), "half", 2),
        ("yearly", D(2024, 7, 14), D(2024, 1, 1), D(2024, 12, 31), "year", 0),
    ],
)
def test_calendar_periods_contain_the_day(frequency, day, start, end, kind, number):
    assert calendar_period(frequency, day) == Period(start, end, kind, number)


@pytest.mark.parametrize(
    ("start", "end", "kind", "number"),
    [
        (D(2024, 2, 1), D(2024, 2, 29), "month", 2),
        (D(2024, 4, 1), D(2024, 6, 30), "quarter", 2),
        (D(2024, 7, 1), D(2024, 12, 31), "half", 2),
        (D(2024, 1, 1), D(2024, 12, 31), "year", 0),
        (D(2024, 2, 1), D(2024, 4, 30), "range", 0),  # three months, not a quarter
        (D(2024, 2, 2), D(2024, 2, 29), "range", 0),
        (D(2024, 12, 1), D(2025, 1, 31), "range", 0),
        (D(2024, 7, 6), D(2024, 7, 12), "range", 0),
    ],
)
def test_classify_recognises_calendar_periods_only_when_exact(start, end, kind, number):
    assert classify(start, end) == Period(start, end, kind, number)


H1_2024 = Period(D(2024, 1, 1), D(2024, 6, 30), "half", 1)
H2_2024 = Period(D(2024, 7, 1), D(2024, 12, 31), "half", 2)
FEB_2024 = Period(D(2024, 2, 1), D(2024, 2, 29), "month", 2)
FEB_2025 = Period(D(2025, 2, 1), D(2025, 2, 28), "month", 2)
FEB_2028 = Period(D(2028, 2, 1), D(2028, 2, 29), "month", 2)
JAN_2025 = Period(D(2025, 1, 1), D(2025, 1, 31), "month", 1)
Q1_2025 = Period(D(2025, 1, 1), D(2025, 3, 31), "quarter", 1)
Q4_2024 = Period(D(2024, 10, 1), D(2024, 12, 31), "quarter", 4)
YEAR_2024 = Period(D(2024, 1, 1), D(2024, 12, 31), "year")
RANGE = Period(D(2024, 7, 6), D(2024, 7, 12), "range")


@pytest.mark.parametrize(
    ("rule", "period", "day"),
    [
        # 6-monthly reports due 15/6 and 15/12: day 15 of the period's last month.
        (DayRule("period_end", 0, 15), H1_2024, D(2024, 6, 15)),
        (DayRule("period_end", 0, 15), H2_2024, D(2024, 12, 15)),
        # Monthly reports due on day 20 of the same month.
        (DayRule("period_end", 0, 20), FEB_2024, D(2024, 2, 20)),
        # Quarterly reports due on day 15 of the month after the quarter (across a year end).
        (DayRule("period_end", 1, 15), Q1_2025, D(2025, 4, 15)),
        (DayRule("period_end", 1, 15), Q4_2024, D(2025, 1, 15)),
        # Day 31 is the month's last day: 30, 28 or 29 (leap years 2024, 2028).
        (DayRule("period_end", 0, 31), FEB_2024, D(2024, 2, 29)),
        (DayRule("period_end", 0, 31), FEB_2025, D(2025, 2, 28)),
        (DayRule("period_end", 0, 31), FEB_2028, D(2028, 2, 29)),
        (DayRule("period_end", 0, 30), FEB_2025, D(2025, 2, 28)),
        (DayRule("period_end", 3, 31), JAN_2025, D(2025, 4, 30)),
        (DayRule("period_end", 1, 31), JAN_2025, D(2025, 2, 28)),
        (DayRule("period_end", 12, 29), FEB_2024, D(2025, 2, 28)),
        # Counted from the period's first month.
        (DayRule("period_start", 0, 10), Q1_2025, D(2025, 1, 10)),
        (DayRule("period_start", 1, 31), Q1_2025, D(2025, 2, 28)),
        (DayRule("period_start", 2, 31), Q1_2025, D(2025, 3, 31)),
        # No day: the anchor day itself; a month's last day stays a month's last day.
        (DayRule("period_end"), H1_2024, D(2024, 6, 30)),
        (DayRule("period_end", 1), H1_2024, D(2024, 7, 31)),
        (DayRule("period_end", 1), JAN_2025, D(2025, 2, 28)),
        (DayRule("period_end", 2), YEAR_2024, D(2025, 2, 28)),
        (DayRule("period_start"), Q1_2025, D(2025, 1, 1)),
        (DayRule("period_start", 1), RANGE, D(2024, 8, 6)),
        (DayRule("period_end", 1), RANGE, D(2024, 8, 12)),
    ],
)
def test_day_rules_count_from_the_period_and_clamp_to_the_month_end(rule, period, day):
    assert rule.resolve(period) == day


def test_half_yearly_reports_are_due_on_15_june_and_15_december():
    rule = Recurrence("half_yearly", D(2025, 1, 1), due=DayRule("period_end", 0, 15))
    periods = rule.upcoming(4)
    assert [rule.deadline(p) for p in periods] == [
        D(2025, 6, 15),
        D(2025, 12, 15),
        D(2026, 6, 15),
        D(2026, 12, 15),
    ]
    assert [(p.kind, p.number, p.year) for p in periods] == [
        ("half", 1, 2025),
        ("half", 2, 2025),
        ("half", 1, 2026),
        ("half", 2, 2026),
    ]


def test_a_deadline_on_a_day_off_stays_unless_the_rule_says_next_working_day():
    work = WorkCalendar()
    # 15/06/2025 is a Sunday; 15/12/2024 too.
    plain = Recurrence("half_yearly", D(2025, 1, 1), due=DayRule("period_end", 0, 15))
    moved = Recurrence(
        "half_yearly", D(2025, 1, 1), due=DayRule("period_end", 0, 15), next_working_day=True
    )
    first = plain.upcoming(1)[0]
    assert plain.deadline(first, work) == D(2025, 6, 15)
    assert moved.deadline(first, work) == D(2025, 6, 16)
    assert moved.deadline(first) == D(2025, 6, 15)  # no calendar given: nothing to move by
    # Lunar new year 2025: 25/01-02/02 off; a monthly report due 31/1 moves to Monday 3/2.
    tet = Recurrence(
        "monthly", D(2025, 1, 1), due=DayRule("period_end", 0, 31), next_working_day=True
    )
    assert tet.deadline(tet.upcoming(1)[0], work) == D(2025, 2, 3)


def test_the_cut_off_date_is_counted_like_the_deadline():
    rule = Recurrence(
        "half_yearly",
        D(2025, 1, 1),
        due=DayRule("period_end", 0, 15),
        cutoff=DayRule("period_end", 0, 14),
    )
    assert [rule.cutoff_date(p) for p in rule.upcoming(2)] == [D(2025, 6, 14), D(2025, 12, 14)]
    assert Recurrence("yearly", D(2025, 1, 1)).cutoff_date(YEAR_2024) is None


@pytest.mark.parametrize(
    ("frequency", "start", "count", "spans"),
    [
        (
            "monthly",
            D(2024, 1, 15),
            3,
            [(D(2024, 1, 1), D(2024, 1, 31)), (D(2024, 2, 1), D(2024, 2, 29)),
             (D(2024, 3, 1), D(2024, 3, 31))],
        ),
        (
            "quarterly",
            D(2024, 11, 5),
            2,
            [(D(2024, 10, 1), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 3, 31))],
        ),
        (
            "yearly",
            D(2024, 3, 1),
            2,
            [(D(2024, 1, 1), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 12, 31))],
        ),
    ],
)  # fmt: skip
def test_the_first_period_is_the_one_containing_the_start(frequency, start, count, spans):
    assert _spans(Recurrence(frequency, start).upcoming(count)) == spans


@pytest.mark.parametrize(
    ("text", "start", "spans", "kinds"),
    [
        (
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            D(2024, 1, 1),
            [(D(2024, 1, 1), D(2024, 1, 31)), (D(2024, 2, 1), D(2024, 2, 29)),
             (D(2024, 3, 1), D(2024, 3, 31))],
            ["month", "month", "month"],
        ),
        (
            "RRULE:freq=monthly;bymonthday=-1",
            D(2025, 2, 10),
            [(D(2025, 2, 10), D(2025, 2, 28)), (D(2025, 3, 1), D(2025, 3, 31))],
            ["range", "month"],
        ),
        (
            "FREQ=WEEKLY;BYDAY=FR",
            D(2024, 7, 1),
            [(D(2024, 7, 1), D(2024, 7, 5)), (D(2024, 7, 6), D(2024, 7, 12))],
            ["range", "range"],
        ),
        (
            "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=20",
            D(2024, 1, 1),
            [(D(2024, 1, 1), D(2024, 1, 20)), (D(2024, 1, 21), D(2024, 3, 20))],
            ["range", "range"],
        ),
        (
            "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1",
            D(2024, 1, 1),
            [(D(2024, 1, 1), D(2024, 6, 30)), (D(2024, 7, 1), D(2024, 12, 31))],
            ["half", "half"],
        ),
    ],
)  # fmt: skip
def test_rrule_instants_close_periods(text, start, spans, kinds):
    periods = Recurrence("rrule", start, rrule=text).upcoming(len(spans))
    assert _spans(periods) == spans
    assert [p.kind for p in periods] == kinds


def test_rrule_is_stored_normalised_and_round_trips():
    rule = Recurrence(
        "rrule", D(2024, 1, 1), rrule=" rrule:freq=monthly; bymonthday=-1 ", lead_days=10
    )
    assert rule.rrule == "FREQ=MONTHLY;BYMONTHDAY=-1"
    assert Recurrence.from_dict(rule.to_dict()) == rule
    calendar_rule = Recurrence(
        "quarterly",
        D(2024, 1, 1),
        due=DayRule("period_end", 1, 15),
        until=D(2026, 12, 31),
        cutoff=DayRule("period_end", 0, 31),
        next_working_day=True,
        rrule="FREQ=WEEKLY",  # ignored for a calendar frequency
    )
    assert calendar_rule.rrule is None
    assert Recurrence.from_dict(calendar_rule.to_dict()) == calendar_rule


HALF = Recurrence("half_yearly", D(2024, 1, 1), due=DayRule("period_end", 0, 15))


@pytest.mark.parametrize(
    ("rule", "today", "after", "not_before", "starts"),
    [
        # Without lead time, each period as soon as it starts, earlier ones too (catch-up).
        (HALF, D(2024, 1, 1), None, None, [D(2024, 1, 1)]),
        (HALF, D(2024, 6, 30), None, None, [D(2024, 1, 1)]),
        (HALF, D(2024, 7, 1), None, None, [D(2024, 1, 1), D(2024, 7, 1)]),
        (HALF, D(2025, 3, 1), None, None, [D(2024, 1, 1), D(2024, 7, 1), D(2025, 1, 1)]),
        # Never again what was generated: only periods after the last one's end.
        (HALF, D(2025, 3, 1), D(2024, 6, 30), None, [D(2024, 7, 1), D(2025, 1, 1)]),
        (HALF, D(2025, 3, 1), D(2025, 6, 30), None, []),
        # A resumed series skips the periods that ended while it was paused.
        (HALF, D(2025, 3, 1), None, D(2025, 2, 1), [D(2025, 1, 1)]),
        # Lead time: periods starting within 31 days.
        (
            Recurrence("monthly", D(2024, 1, 1), lead_days=31),
            D(2024, 1, 1),
            None,
            None,
            [D(2024, 1, 1), D(2024, 2, 1)],
        ),
        (Recurrence("monthly", D(2024, 1, 1)), D(2023, 12, 31), None, None, []),
        # Until: nothing starting after it.
        (
            Recurrence("quarterly", D(2024, 1, 1), until=D(2024, 6, 30)),
            D(2025, 1, 1),
            None,
            None,
            [D(2024, 1, 1), D(2024, 4, 1)],
        ),
        (
            Recurrence("rrule", D(2024, 1, 1), rrule="FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=2"),
            D(2025, 1, 1),
            None,
            None,
            [D(2024, 1, 1), D(2024, 2, 1)],
        ),
    ],
)
def test_due_periods_for_a_horizon(rule, today, after, not_before, starts):
    assert [p.start for p in rule.due_periods(today, after=after, not_before=not_before)] == starts


def test_due_periods_are_bounded_however_far_behind():
    rule = Recurrence("monthly", D(2000, 1, 1))
    assert len(rule.due_periods(D(2099, 1, 1))) == MAX_PERIODS


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"frequency": "weekly"}, "unknown_frequency"),
        ({"frequency": "rrule"}, "rrule_required"),
        ({"frequency": "rrule", "rrule": "FREQ=SOMETIMES"}, "bad_rrule"),
        ({"frequency": "rrule", "rrule": "not a rule"}, "bad_rrule"),
        ({"frequency": "rrule", "rrule": "FREQ=MONTHLY;BYDAY=XX"}, "bad_rrule"),
        ({"frequency": "rrule", "rrule": "FREQ=DAILY"}, "rrule_too_frequent"),
        ({"frequency": "rrule", "rrule": "FREQ=WEEKLY;BYDAY=MO,TH"}, "rrule_too_frequent"),
        ({"frequency": "rrule", "rrule": "FREQ=HOURLY"}, "rrule_too_frequent"),
        ({"frequency": "rrule", "rrule": "DTSTART:20240101\nFREQ=MONTHLY"}, "rrule_forbidden_part"),
        ({"frequency": "rrule", "rrule": "FREQ=MONTHLY;UNTIL=20230101"}, "no_period"),
        ({"due": DayRule("period_end", 0, 15), "lead_days": -1}, "bad_lead_days"),
        ({"lead_days": 400}, "bad_lead_days"),
        ({"until": D(2023, 12, 31)}, "until_before_start"),
    ],
)
def test_bad_rules_are_refused_with_a_code(kwargs, code):
    arguments = {"frequency": "monthly", "start": D(2024, 1, 1), **kwargs}
    with pytest.raises(RecurrenceError) as caught:
        Recurrence(**arguments)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("period_middle", 0, 15), "bad_anchor"),
        (("period_end", -1, 15), "bad_months"),
        (("period_end", 13, 15), "bad_months"),
        (("period_end", 0, 0), "bad_day"),
        (("period_end", 0, 32), "bad_day"),
    ],
)
def test_bad_day_rules_are_refused_with_a_code(args, code):
    with pytest.raises(RecurrenceError) as caught:
        DayRule(*args)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"frequency": "monthly"},
        {"frequency": "monthly", "start": "01/01/2024"},
        {"frequency": "monthly", "start": "2024-01-01", "due": "15"},
        {"frequency": "monthly", "start": "2024-01-01", "lead_days": "7"},
    ],
)
def test_malformed_stored_rules_are_refused(data):
    with pytest.raises(RecurrenceError) as caught:
        Recurrence.from_dict(data)
    assert caught.value.code in {"bad_data", "bad_lead_days"}
