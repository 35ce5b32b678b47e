from datetime import date, timedelta

import holidays
import pytest

from tracker.domain.calendar import WorkCalendar

D = date
CAL = WorkCalendar()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (D(2024, 2, 8), D(2024, 2, 14)),  # Tết Giáp Thìn
        (D(2025, 1, 25), D(2025, 2, 2)),  # Tết Ất Tỵ
        (D(2026, 2, 14), D(2026, 2, 22)),  # Tết Bính Ngọ
        (D(2023, 4, 29), D(2023, 5, 3)),  # 30/4–1/5 on a weekend, days in lieu 2–3/5
        (D(2024, 4, 27), D(2024, 5, 1)),  # 29/4 swapped with Saturday 4/5
        (D(2025, 4, 30), D(2025, 5, 4)),  # 2/5 swapped with Saturday 26/4
        (D(2026, 4, 25), D(2026, 4, 27)),  # Giỗ Tổ on Sunday 26/4, in lieu Monday 27/4
        (D(2026, 4, 30), D(2026, 5, 3)),
        (D(2023, 9, 1), D(2023, 9, 4)),  # 2/9 on Saturday, in lieu Monday 4/9
        (D(2024, 8, 31), D(2024, 9, 3)),
        (D(2025, 8, 30), D(2025, 9, 2)),
        (D(2026, 8, 29), D(2026, 9, 2)),  # 31/8 swapped with Saturday 22/8
        (D(2023, 1, 1), D(2023, 1, 2)),  # New Year on Sunday, in lieu Monday
    ],
)
def test_holiday_periods_are_days_off(first, last):
    assert [d for d in days(first, last) if CAL.is_working_day(d)] == []


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 2, 7), True),  # last day before Tết 2024
        (D(2024, 2, 15), True),  # first day back
        (D(2025, 1, 24), True),
        (D(2025, 2, 3), True),
        (D(2026, 2, 13), True),
        (D(2026, 2, 23), True),
        (D(2024, 5, 2), True),
        (D(2023, 5, 4), True),
        (D(2023, 9, 5), True),
        (D(2026, 9, 3), True),
        (D(2026, 11, 24), False),  # Ngày Văn hóa Việt Nam, from 2026
        (D(2027, 5, 3), False),  # 1/5/2027 on Saturday, in lieu Monday
    ],
)
def test_days_around_holidays_have_the_official_status(day, working):
    assert CAL.is_working_day(day) is working
    assert CAL.is_day_off(day) is not working


@pytest.mark.parametrize("saturday", [D(2024, 5, 4), D(2025, 4, 26), D(2026, 8, 22)])
def test_swapped_saturdays_are_working_days_from_the_package_without_overrides(saturday):
    assert saturday.weekday() == 5
    assert CAL.is_working_day(saturday)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 1, 6), False),  # Saturday
        (D(2024, 1, 7), False),  # Sunday
        (D(2024, 1, 8), True),  # Monday
        (D(2024, 5, 11), False),  # the Saturday after the swapped one is a normal weekend
        (D(2024, 2, 29), True),  # leap day
    ],
)
def test_weekends_are_days_off_and_weekdays_working(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2024, 2, 10), "Tết Nguyên Đán"),
        (D(2024, 4, 29), "Ngày nghỉ (thay cho ngày 04/05/2024)"),
        (D(2023, 1, 2), "Tết Dương lịch (nghỉ bù)"),
        (D(2025, 9, 2), "Quốc khánh"),
        (D(2024, 3, 4), None),
        (D(2024, 5, 4), None),  # a swapped working Saturday has no holiday name
    ],
)
def test_holiday_name_is_the_vietnamese_name_or_none(day, name):
    assert CAL.holiday_name(day) == name


def test_calendar_agrees_with_the_package_on_every_day_from_2023_to_2030():
    vn = holidays.VN(years=range(2022, 2032))
    for d in days(D(2023, 1, 1), D(2030, 12, 31)):
        assert CAL.is_working_day(d) == vn.is_working_day(d), d


OVERRIDES = {
    D(2024, 5, 4): False,  # withdraw a swapped Saturday
    D(2024, 2, 10): True,  # work on the first day of Tết
    D(2024, 3, 4): False,  # an ordinary Monday declared a day off
    D(2024, 3, 9): True,  # an ordinary Saturday declared a working day
}


@pytest.mark.parametrize(("day", "working"), OVERRIDES.items())
def test_overrides_take_precedence_over_package_and_weekends(day, working):
    cal = WorkCalendar(OVERRIDES)
    assert cal.is_working_day(day) is working
    assert CAL.is_working_day(day) is not working


def test_overrides_change_counts_but_not_holiday_names():
    cal = WorkCalendar(OVERRIDES)
    assert cal.working_days_between(D(2024, 3, 1), D(2024, 3, 8)) == 4
    assert CAL.working_days_between(D(2024, 3, 1), D(2024, 3, 8)) == 5
    # Monday 4/3 off, Saturday 9/3 worked: the week still has five working days.
    assert cal.working_days_between(D(2024, 3, 1), D(2024, 3, 11)) == 6
    assert cal.add_working_days(D(2024, 3, 8), 1) == D(2024, 3, 9)
    assert cal.holiday_name(D(2024, 2, 10)) == "Tết Nguyên Đán"
    assert cal.next_working_day(D(2024, 2, 8)) == D(2024, 2, 10)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2024, 2, 7), 1, D(2024, 2, 15)),  # across Tết 2024
        (D(2024, 2, 15), -1, D(2024, 2, 7)),
        (D(2025, 1, 24), 1, D(2025, 2, 3)),  # across Tết 2025
        (D(2026, 2, 13), 1, D(2026, 2, 23)),  # across Tết 2026
        (D(2024, 12, 31), 1, D(2025, 1, 2)),  # year end and New Year
        (D(2025, 1, 2), -2, D(2024, 12, 30)),
        (D(2024, 1, 31), 2, D(2024, 2, 2)),  # month end
        (D(2024, 2, 28), 1, D(2024, 2, 29)),  # leap day
        (D(2024, 1, 5), 1, D(2024, 1, 8)),  # over a weekend
        (D(2024, 5, 3), 1, D(2024, 5, 4)),  # onto a swapped working Saturday
        (D(2024, 2, 20), -7, D(2024, 2, 2)),  # "7 working days before the due date"
        (D(2024, 1, 3), 0, D(2024, 1, 3)),  # n == 0 on a working day: the day itself
        (D(2024, 1, 6), 0, D(2024, 1, 8)),  # n == 0 on a day off: the next working day
        (D(2024, 1, 6), 1, D(2024, 1, 8)),  # from a day off, the day is not counted
        (D(2024, 1, 6), -1, D(2024, 1, 5)),
        (D(2023, 12, 29), 251, D(2024, 12, 31)),  # 2024 has 251 working days
    ],
)
def test_add_working_days_skips_days_off_in_both_directions(start, n, expected):
    assert CAL.add_working_days(start, n) == expected


@pytest.mark.parametrize("start", [D(2024, 2, 5), D(2024, 12, 20), D(2026, 8, 20)])
@pytest.mark.parametrize("n", [1, 2, 5, 7, 10, 30])
def test_working_days_between_undoes_add_working_days(start, n):
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n
    assert CAL.working_days_between(start, CAL.add_working_days(start, -n)) == -n


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2024, 1, 8), D(2024, 1, 12), 4),  # Monday to Friday
        (D(2024, 1, 8), D(2024, 1, 8), 0),
        (D(2024, 1, 5), D(2024, 1, 8), 1),  # over a weekend
        (D(2024, 1, 6), D(2024, 1, 7), 0),
        (D(2024, 2, 28), D(2024, 3, 1), 2),  # across leap day 29/02/2024
        (D(2024, 2, 27), D(2024, 3, 4), 4),
        (D(2024, 2, 7), D(2024, 2, 15), 1),  # across Tết
        (D(2024, 12, 31), D(2025, 1, 2), 1),  # across New Year
        (D(2023, 12, 31), D(2024, 12, 31), 251),
        (D(2023, 1, 1), D(2026, 1, 1), 249 + 251 + 250),  # several whole years
        (D(2024, 4, 26), D(2024, 5, 6), 4),  # 29/4–1/5 off, Saturday 4/5 worked
    ],
)
def test_working_days_between_counts_the_half_open_interval_symmetrically(start, end, expected):
    assert CAL.working_days_between(start, end) == expected
    assert CAL.working_days_between(end, start) == -expected


def test_working_days_between_matches_a_day_by_day_count():
    start = D(2023, 11, 15)
    for end in days(D(2023, 11, 15), D(2025, 3, 1)):
        brute = sum(CAL.is_working_day(d) for d in days(start + timedelta(days=1), end))
        assert CAL.working_days_between(start, end) == brute


@pytest.mark.parametrize(
    ("day", "following", "preceding"),
    [
        (D(2024, 2, 10), D(2024, 2, 15), D(2024, 2, 7)),
        (D(2024, 1, 10), D(2024, 1, 10), D(2024, 1, 10)),
        (D(2024, 12, 31), D(2024, 12, 31), D(2024, 12, 31)),
        (D(2025, 1, 1), D(2025, 1, 2), D(2024, 12, 31)),
    ],
)
def test_next_and_previous_working_day_return_the_day_itself_when_working(
    day, following, preceding
):
    assert CAL.next_working_day(day) == following
    assert CAL.previous_working_day(day) == preceding


@pytest.mark.parametrize("year", range(2023, 2031))
def test_every_year_from_2023_to_2030_has_a_plausible_number_of_working_days(year):
    count = CAL.working_days_between(D(year - 1, 12, 31), D(year, 12, 31))
    assert 240 <= count <= 255


def test_holiday_names_come_in_vietnamese_or_english():
    calendar = WorkCalendar()
    assert calendar.holiday_name(date(2024, 9, 2)) == "Quốc khánh"
    assert calendar.holiday_name(date(2024, 9, 2), "en") == "National Day"
    assert calendar.holiday_name(date(2024, 9, 4), "en") is None
