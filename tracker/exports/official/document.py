"""What an official report says, apart from its layout: the trích yếu, the date and the
numbered parts with their paragraphs and tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class DocTable:
    """A table of text cells: a header row, the rows, each column's width in centimetres and
    which columns hold numbers (right-aligned); ``total_rows`` are set in bold."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    numeric: frozenset[int] = frozenset()
    total_rows: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Part:
    """A numbered part: its heading, then paragraphs, tables and parts one level down (parts
    are numbered I., II. at the top, 1., 2. below)."""

    heading: str
    blocks: tuple[str | DocTable | Part, ...] = ()


@dataclass(frozen=True)
class OfficialReport:
    """A report (BÁO CÁO): its trích yếu, the day it is dated and its parts."""

    summary: str
    day: date
    parts: tuple[Part, ...] = field(default_factory=tuple)
