"""The demo world as data: units from the reference files, tasks and wording from TOML."""

from __future__ import annotations

import csv
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from tracker.domain.deadlines import Deadline
from tracker.domain.status import AssignmentState
from tracker.models import (
    GROUP_OF_KIND,
    UnitKind,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SEED = 2024
AS_OF = date(2024, 6, 30)  # the report's "6 tháng": every event happens on or before this day
# Programme-local times: units and accounts set up at the start of the year, tasks assigned.
WORLD_CREATED = datetime(2024, 1, 2, 8, 0)
TASKS_CREATED = datetime(2024, 1, 15, 7, 0)
CATALOGUE_TASK = "Ban hành danh mục cơ sở dữ liệu dùng chung"
# Focal points shown as sample logins (a ministry, the capital, and a laggard found below).
SAMPLE_UNITS = ("BTTTT", "01")
# Placed first when states are dealt, so they did their work: the programme's own coordinator.
DILIGENT = ("BTTTT",)

S = AssignmentState


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    short_name: str
    name_en: str
    kind: str
    slug: str

    @property
    def group(self) -> str:
        return GROUP_OF_KIND[UnitKind(self.kind)]

    @property
    def focal_email(self) -> str:
        return f"dm.{self.slug}@example.org"


@dataclass
class TaskPlan:
    title: str
    description: str
    field: str
    priority: bool
    owner: str  # email
    deadline: Deadline
    evidence: dict
    created_at: datetime


@dataclass
class Step:
    """One history event; ``by_owner`` picks the task's coordinator, else the focal point."""

    at: datetime
    kind: str
    from_state: str | None
    to_state: str | None
    by_owner: bool
    note: str = ""


@dataclass
class AssignmentPlan:
    task: TaskPlan
    unit: UnitSpec
    role: str
    state: str
    steps: list[Step]
    submitted_on: date | None = None
    completed_at: datetime | None = None
    evidence: dict | None = None


@cache
def read_world() -> dict:
    """Return the demo world's content (tasks, staff, wording) from ``demo_2024.toml``."""
    with open(DATA_DIR / "demo_2024.toml", "rb") as f:
        return tomllib.load(f)


def slugify(text: str) -> str:
    """Return ``text`` as an ASCII slug: "Thành phố Hà Nội" -> "thanh-pho-ha-noi"."""
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def demo_units(world: dict) -> list[UnitSpec]:
    """Return the 2024 units: ministries and central agencies first, then the 63 provinces."""
    central = [
        UnitSpec(r["short"], r["name"], r["short"], r["name_en"], r["kind"], slugify(r["short"]))
        for r in _read_csv("ministries_2024.csv")
    ]
    central += [
        UnitSpec(a["code"], a["name"], a["code"], a["name_en"], a["kind"], slugify(a["code"]))
        for a in world["central_agencies"]
    ]
    local = []
    for r in _read_csv("provinces_2024.csv"):
        bare = re.sub(r"^(Tỉnh|Thành phố) ", "", r["name"])
        suffix = "City" if r["kind"] == UnitKind.CITY else "Province"
        local.append(
            UnitSpec(
                r["code"], r["name"], bare, f"{_ascii(bare)} {suffix}", r["kind"], slugify(bare)
            )
        )
    return central + local
