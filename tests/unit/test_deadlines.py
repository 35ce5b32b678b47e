import unicodedata
from datetime import date

import pytest

from tracker.domain.deadlines import (
    ACCEPTED_FORMS,
    Deadline,
    DeadlineError,
    format_date,
    parse_deadline,
)

D = date


@pytest.mark.parametrize(
    ("text", "due", "kind"),
    [
        # Full dates.
        ("30/09/2024", D(2024, 9, 30), "date"),
        ("30/9/2024", D(2024, 9, 30), "date"),
        ("30-09-2024", D(2024, 9, 30), "date"),
        ("30.09.2024", D(2024, 9, 30), "date"),
        ("2024-09-30", D(2024, 9, 30), "date"),
        ("ngày 30/9/2024", D(2024, 9, 30), "date"),
        ("ngày 30 tháng 9 năm 2024", D(2024, 9, 30), "date"),
        ("chậm nhất ngày 30/9/2024", D(2024, 9, 30), "date"),
        ("chậm nhất 30/9/2024", D(2024, 9, 30), "date"),
        ("đến ngày 30/9/2024", D(2024, 9, 30), "date"),
        ("hạn 30/9/2024", D(2024, 9, 30), "date"),
        ("trong ngày 30/9/2024", D(2024, 9, 30), "date"),
        ("29/02/2024", D(2024, 2, 29), "date"),
        ("1/1/2025", D(2025, 1, 1), "date"),
        # Months: the last day of the month.
        ("9/2024", D(2024, 9, 30), "month"),
        ("09/2024", D(2024, 9, 30), "month"),
        ("tháng 9/2024", D(2024, 9, 30), "month"),
        ("Tháng 09/2024", D(2024, 9, 30), "month"),
        ("tháng 9 năm 2024", D(2024, 9, 30), "month"),
        ("trong tháng 9/2024", D(2024, 9, 30), "month"),
        ("chậm nhất trong tháng 12/2024", D(2024, 12, 31), "month"),
        ("tháng 8/ 2024", D(2024, 8, 31), "month"),
        ("2/2024", D(2024, 2, 29), "month"),
        ("2/2023", D(2023, 2, 28), "month"),
        ("tháng 4/2024", D(2024, 4, 30), "month"),
        ("tháng 6/2024", D(2024, 6, 30), "month"),
        ("tháng 11/2024", D(2024, 11, 30), "month"),
        ("tháng 1/2024", D(2024, 1, 31), "month"),
        # Quarters.
        ("Quý III/2024", D(2024, 9, 30), "quarter"),
        ("quý 3/2024", D(2024, 9, 30), "quarter"),
        ("Quý III năm 2024", D(2024, 9, 30), "quarter"),
        ("trong quý IV/2024", D(2024, 12, 31), "quarter"),
        ("Quý I/2025", D(2025, 3, 31), "quarter"),
        ("quý II/2024", D(2024, 6, 30), "quarter"),
        # Halves.
        ("6 tháng đầu năm 2024", D(2024, 6, 30), "half"),
        ("6 tháng cuối năm 2024", D(2024, 12, 31), "half"),
        ("trong 6 tháng đầu năm 2024", D(2024, 6, 30), "half"),
        # Years.
        ("năm 2024", D(2024, 12, 31), "year"),
        ("trong năm 2024", D(2024, 12, 31), "year"),
        ("2024", D(2024, 12, 31), "year"),
        # Before: exclusive by default.
        ("trước ngày 20/7/2024", D(2024, 7, 19), "before"),
        ("trước 20/7/2024", D(2024, 7, 19), "before"),
        ("trước ngày 1/1/2025", D(2024, 12, 31), "before"),
        ("trước ngày 1/3/2024", D(2024, 2, 29), "before"),
        ("trước ngày 20 tháng 7 năm 2024", D(2024, 7, 19), "before"),
        # No deadline.
        ("thường xuyên", None, "none"),
        ("Thường xuyên", None, "none"),
        ("không thời hạn", None, "none"),
    ],
)
def test_parse_deadline_accepts_official_wordings(text, due, kind):
    assert parse_deadline(text) == Deadline(due, text, kind)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("  30/9/2024  ", D(2024, 9, 30)),
        ("30 / 9 / 2024", D(2024, 9, 30)),
        ("tháng   9 /  2024", D(2024, 9, 30)),
        ("CHẬM NHẤT NGÀY 30/9/2024", D(2024, 9, 30)),
        ("QUÝ III/2024", D(2024, 9, 30)),
        ("quý iii/2024", D(2024, 9, 30)),
        ("Trước\u00a0ngày 20/7/2024", D(2024, 7, 19)),
        ("\tnăm\n2024 ", D(2024, 12, 31)),
    ],
)
def test_parse_deadline_tolerates_case_and_whitespace(text, due):
    result = parse_deadline(text)
    assert result.due == due
    assert result.wording == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "tháng 9/2024",
        "Quý III năm 2024",
        "trước ngày 20/7/2024",
        "6 tháng đầu năm 2024",
        "thường xuyên",
        "không thời hạn",
    ],
)
def test_parse_deadline_accepts_decomposed_unicode(text):
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert parse_deadline(nfd).due == parse_deadline(text).due
    assert parse_deadline(nfd).kind == parse_deadline(text).kind


@pytest.mark.parametrize(
    ("text", "exclusive", "due"),
    [
        ("trước ngày 20/7/2024", True, D(2024, 7, 19)),
        ("trước ngày 20/7/2024", False, D(2024, 7, 20)),
        ("trước 1/1/2025", True, D(2024, 12, 31)),
        ("trước 1/1/2025", False, D(2025, 1, 1)),
    ],
)
def test_before_is_exclusive_switch_moves_the_due_date(text, exclusive, due):
    assert parse_deadline(text, before_is_exclusive=exclusive) == Deadline(due, text, "before")


@pytest.mark.parametrize(
    ("text", "due", "kind"),
    [
        ("trước 20/7", D(2025, 7, 19), "before"),
        ("30/9", D(2025, 9, 30), "date"),
        ("ngày 30/9", D(2025, 9, 30), "date"),
        ("ngày 30 tháng 9", D(2025, 9, 30), "date"),
        ("tháng 9", D(2025, 9, 30), "month"),
        ("trong tháng 2", D(2025, 2, 28), "month"),
        ("quý IV", D(2025, 12, 31), "quarter"),
        ("6 tháng đầu năm", D(2025, 6, 30), "half"),
        ("30/9/2024", D(2024, 9, 30), "date"),  # an explicit year wins
    ],
)
def test_reference_year_completes_dates_without_a_year(text, due, kind):
    assert parse_deadline(text, reference_year=2025) == Deadline(due, text, kind)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u00a0\n", "empty"),
        ("31/02/2024", "invalid_date"),
        ("29/02/2023", "invalid_date"),
        ("31/09/2024", "invalid_date"),
        ("32/1/2024", "invalid_date"),
        ("0/1/2024", "invalid_date"),
        ("13/2024", "invalid_date"),
        ("tháng 13/2024", "invalid_date"),
        ("tháng 0/2024", "invalid_date"),
        ("Quý V/2024", "invalid_date"),
        ("quý 5/2024", "invalid_date"),
        ("2024-02-30", "invalid_date"),
        ("trước ngày 31/4/2024", "invalid_date"),
        ("30/9/2204", "invalid_date"),  # typo for 2024: outside plausible programme years
        ("tháng 13", "invalid_date"),
        ("trước 20/7", "missing_year"),
        ("30/9", "missing_year"),
        ("tháng 9", "missing_year"),
        ("ngày 30 tháng 9", "missing_year"),
        ("quý III", "missing_year"),
        ("hằng năm", "unrecognised"),
        ("sớm nhất có thể", "unrecognised"),
        ("30/9/24", "unrecognised"),
        ("30/09-2024", "unrecognised"),
        ("2024/09/30", "unrecognised"),
        ("trước tháng 9/2024", "unrecognised"),
        ("ngày 9/2024", "unrecognised"),
        ("30", "unrecognised"),
        ("30/9/2024 và 31/12/2024", "unrecognised"),
        ("thường xuyên, liên tục", "unrecognised"),
        ("quý III/2024.", "unrecognised"),
    ],
)
def test_parse_deadline_rejects_with_a_code_and_never_guesses(text, code):
    with pytest.raises(DeadlineError) as caught:
        parse_deadline(text)
    assert caught.value.code == code
    assert caught.value.text == text
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("text", ACCEPTED_FORMS)
def test_every_accepted_form_shown_to_users_parses(text):
    assert parse_deadline(text).wording == text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (D(2024, 9, 30), "30/09/2024"),
        (D(2024, 1, 5), "05/01/2024"),
        (D(2025, 12, 31), "31/12/2025"),
    ],
)
def test_format_date_is_zero_padded_day_month_year(day, text):
    assert format_date(day) == text


@pytest.mark.parametrize("day", [D(2024, 2, 29), D(2024, 1, 5), D(2030, 11, 9)])
def test_format_date_round_trips_through_parse_deadline(day):
    assert parse_deadline(format_date(day)).due == day
