"""The wording of an administrative document's fixed parts (Nghị định 30/2020/NĐ-CP, Phụ lục
I): who issues it and who signs it, its place and date line, its section numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The issuing body, the document code and the signer of one language's documents.

    ``signer_title`` may hold several lines ("KT. BỘ TRƯỞNG\\nTHỨ TRƯỞNG"); an empty
    ``signer_name`` leaves a dotted space for it."""

    parent_body: str
    issuer: str
    issuer_code: str
    place: str
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...] = ()


def date_line(place: str, day: date, language: str) -> str:
    """Return the place and date line: "Hà Nội, ngày 05 tháng 01 năm 2024" (the decree puts a
    0 before days under 10 and the months January and February) or "Ha Noi, 5 January 2024"."""
    if language == "vi":
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {day.day} {_ENGLISH_MONTHS[day.month - 1]} {day.year}"


def roman(number: int) -> str:
    """Return ``number`` (1 or more) in Roman numerals, as the document's sections are numbered."""
    if number < 1:
        raise ValueError("Roman numerals start at 1")
    parts = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        parts.append(letters * count)
    return "".join(parts)


def document_number(issuer_code: str, prefix: str) -> str:
    """Return the number line left for the registry to fill: "Số:      /BC-BTTTT"."""
    code = f"BC-{issuer_code}" if issuer_code else "BC"
    return f"{prefix}:        /{code}"
