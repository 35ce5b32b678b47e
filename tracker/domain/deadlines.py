"""Parse deadlines the way Vietnamese officials write them; never guess."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

DeadlineKind = Literal["date", "month", "quarter", "half", "year", "before", "none"]
ErrorCode = Literal["empty", "unrecognised", "invalid_date", "missing_year"]

# Plausible programme years; anything else is almost certainly a typo (e.g. 2204 for 2024).
MIN_YEAR = 2000
MAX_YEAR = 2100

ACCEPTED_FORMS: tuple[str, ...] = (
    "30/09/2024",
    "2024-09-30",
    "ngày 30 tháng 9 năm 2024",
    "9/2024",
    "tháng 9/2024",
    "Quý III/2024",
    "6 tháng đầu năm 2024",
    "năm 2024",
    "trước ngày 20/7/2024",
    "thường xuyên",
)

_NO_DEADLINE = frozenset({"thường xuyên", "không thời hạn"})
_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

_YEAR = r"(?P<year>[0-9]{4})"
# A year tail after a month or quarter: "/2024", "-2024", ".2024" or " năm 2024".
_YEAR_TAIL = rf"(?:[/.-]| năm ){_YEAR}"

_FULL_DATE_PATTERNS = tuple(
    re.compile(p)
    for p in (
        rf"(?P<day>[0-9]{{1,2}})(?P<sep>[/.-])(?P<month>[0-9]{{1,2}})(?P=sep){_YEAR}",
        rf"{_YEAR}-(?P<month>[0-9]{{1,2}})-(?P<day>[0-9]{{1,2}})",
        rf"(?P<day>[0-9]{{1,2}}) tháng (?P<month>[0-9]{{1,2}}) năm {_YEAR}",
        # Day and month only: allowed when the caller supplies a reference year.
        r"(?P<day>[0-9]{1,2})(?P<sep>[/.-])(?P<month>[0-9]{1,2})",
        r"(?P<day>[0-9]{1,2}) tháng (?P<month>[0-9]{1,2})",
    )
)
_MONTH_PATTERNS = (
    re.compile(rf"tháng (?P<month>[0-9]{{1,2}})(?:{_YEAR_TAIL})?"),
    re.compile(rf"(?P<month>[0-9]{{1,2}})[/.-]{_YEAR}"),
)
_QUARTER_PATTERN = re.compile(rf"qu[ýí] (?P<quarter>[ivx]+|[0-9])(?:{_YEAR_TAIL})?")
_HALF_PATTERN = re.compile(rf"6 tháng (?P<half>đầu|cuối) năm(?: {_YEAR})?")
_YEAR_PATTERN = re.compile(rf"(?:năm )?{_YEAR}")

_BEFORE = re.compile(r"trước (?:ngày )?(?P<rest>.+)")
# Inclusive wordings that mean "on or before": "chậm nhất ngày ...", "đến ngày ...", "hạn ...",
# "trong ngày ...", "trong tháng/quý/năm ...", "chậm nhất trong quý ...".
_INCLUSIVE_PREFIX = re.compile(r"(?:(?:chậm nhất|đến|hạn)(?: trong)? |trong )")


class DeadlineError(ValueError):
    """Raised when a deadline text cannot be parsed; `code` tells the web layer why."""

    def __init__(self, code: ErrorCode, text: str) -> None:
        super().__init__(code, text)
        self.code: ErrorCode = code
        self.text = text

    def __str__(self) -> str:
        return f"{self.code}: {self.text!r}"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A parsed deadline: the inclusive due date (None for no deadline) and how it was written."""

    due: date | None
    wording: str
    kind: DeadlineKind


def format_date(d: date) -> str:
    """Return `d` as zero-padded "dd/mm/yyyy"."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"\s+", " ", text).strip()
    # Officials type "tháng 8/ 2024" or "30 / 9 / 2024"; separators never carry spaces.
    return re.sub(r" ?([/.-]) ?", r"\1", text)


class _Parser:
    """One parse of one input, so errors can quote the original text."""

    def __init__(self, text: str, reference_year: int | None) -> None:
        self.text = text
        self.reference_year = reference_year

    def error(self, code: ErrorCode) -> DeadlineError:
        return DeadlineError(code, self.text)

    def year(self, match: re.Match[str]) -> int:
        raw = match.groupdict().get("year")
        if raw is None:
            if self.reference_year is None:
                raise self.error("missing_year")
            year = self.reference_year
        else:
            year = int(raw)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise self.error("invalid_date")
        return year

    def make_date(self, year: int, month: int, day: int) -> date:
        try:
            return date(year, month, day)
        except ValueError:
            raise self.error("invalid_date") from None

    def month_end(self, match: re.Match[str], month: int) -> date:
        # Impossible months are reported as such even when the year is missing too.
        if not 1 <= month <= 12:
            raise self.error("invalid_date")
        year = self.year(match)
        return date(year, month, calendar.monthrange(year, month)[1])

    def full_date(self, body: str) -> date | None:
        """Return the date written as a full day (optionally after "ngày "), or None."""
        body = body.removeprefix("ngày ")
        for pattern in _FULL_DATE_PATTERNS:
            m = pattern.fullmatch(body)
            if m:
                month, day = int(m["month"]), int(m["day"])
                if not (1 <= month <= 12 and 1 <= day <= 31):
                    raise self.error("invalid_date")
                return self.make_date(self.year(m), month, day)
        return None

    def period(self, body: str) -> tuple[date, DeadlineKind] | None:
        """Return the last day of a month, quarter, half or year written in `body`, or None."""
        for pattern in _MONTH_PATTERNS:
            m = pattern.fullmatch(body)
            if m:
                return self.month_end(m, int(m["month"])), "month"
        m = _QUARTER_PATTERN.fullmatch(body)
        if m:
            raw = m["quarter"]
            quarter = int(raw) if raw.isdigit() else _ROMAN_QUARTERS.get(raw, 0)
            if not 1 <= quarter <= 4:
                raise self.error("invalid_date")
            return self.month_end(m, quarter * 3), "quarter"
        m = _HALF_PATTERN.fullmatch(body)
        if m:
            return self.month_end(m, 6 if m["half"] == "đầu" else 12), "half"
        m = _YEAR_PATTERN.fullmatch(body)
        if m:
            return self.month_end(m, 12), "year"
        return None

    def parse(self, normalised: str, before_is_exclusive: bool) -> tuple[date | None, DeadlineKind]:
        if normalised in _NO_DEADLINE:
            return None, "none"
        m = _BEFORE.fullmatch(normalised)
        if m:
            day = self.full_date(m["rest"])
            if day is None:
                raise self.error("unrecognised")
            return (day - timedelta(days=1) if before_is_exclusive else day), "before"
        prefix = _INCLUSIVE_PREFIX.match(normalised)
        body = normalised[prefix.end() :] if prefix else normalised
        day = self.full_date(body)
        if day is not None:
            return day, "date"
        found = self.period(body)
        if found is None:
            raise self.error("unrecognised")
        return found


def parse_deadline(
    text: str, *, reference_year: int | None = None, before_is_exclusive: bool = True
) -> Deadline:
    """Return the Deadline written in `text` or raise DeadlineError; never guesses.

    Month, quarter, half-year and year deadlines fall on the period's last day. "trước X" is
    the day before X when `before_is_exclusive`, else X. A missing year is taken from
    `reference_year` only when one is given.
    """
    wording = text.strip()
    normalised = _normalise(text)
    if not normalised:
        raise DeadlineError("empty", text)
    due, kind = _Parser(text, reference_year).parse(normalised, before_is_exclusive)
    return Deadline(due=due, wording=wording, kind=kind)


_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
FIRST_YEAR, LAST_YEAR = 1900, 2100


class DayError(ValueError):
    """A date that is not written dd/mm/yyyy (``malformed``) or does not exist."""

    def __init__(self, text: str, malformed: bool) -> None:
        super().__init__(text)
        self.text, self.malformed = text, malformed


def parse_day(text: str) -> date:
    """Return the date written dd/mm/yyyy; DayError if malformed or impossible."""
    text = text.strip()
    match = _DAY.fullmatch(text)
    if match is None:
        raise DayError(text, malformed=True)
    day, month, year = (int(part) for part in match.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DayError(text, malformed=False)
    try:
        return date(year, month, day)
    except ValueError:
        raise DayError(text, malformed=False) from None
