"""The real reorganisation of 2025, read from ``tracker/data``: the ministries merged on
01/03/2025 (Resolution 176/2025/QH15), the 63 provinces became 34 on 01/07/2025 (Resolution
202/2025/QH15).

A plan holds only what this database still lacks: mergers whose units are already merged
are left out, so building and applying it again changes nothing. Provinces are found by
code among the units in force the day before, ministries by name; a 2025 ministry named as
a 2024 one is that ministry (it absorbs the others); a province formed from a single one
with the same code continues as that unit (renamed if its name changed).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select

from tracker.domain.status import OPEN_STATES
from tracker.domain.text import fold
from tracker.extensions import db
from tracker.models import Assignment, Unit, UnitGroup, UnitKind
from tracker.services.reorganisation.checks import in_force
from tracker.services.reorganisation.plan import Merger, NewUnit, Plan, Rename

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
MINISTRIES_EFFECTIVE = date(2025, 3, 1)
PROVINCES_EFFECTIVE = date(2025, 7, 1)
LOCAL_KINDS = (UnitKind.PROVINCE.value, UnitKind.CITY.value)


@dataclass
class Step:
    """One part of the 2025 reorganisation as this database holds it."""

    name: str  # "ministries" or "provinces"
    plan: Plan
    old_ids: list[int]  # the 2024 units found, in force the day before
    missing: list[str] = field(default_factory=list)  # 2024 units of the dataset not found
    applied_before: int = 0  # mergers found already applied

    @property
    def pending(self) -> bool:
        """Return whether the plan still changes something."""
        return bool(self.plan.mergers or self.plan.renames)


def read_csv(name: str) -> list[dict[str, str]]:
    """Return the rows of a reference file of ``tracker/data``."""
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _in_force_on(day: date):
    return (
        or_(Unit.valid_from.is_(None), Unit.valid_from <= day),
        or_(Unit.valid_to.is_(None), Unit.valid_to >= day),
    )


def _bare(name: str) -> str:
    return re.sub(r"^(Tỉnh|Thành phố) ", "", name)


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _province_names(row: dict[str, str]) -> dict[str, str]:
    """Return the short and English names of a province the way the 2024 units have them."""
    bare = _bare(row["name"])
    suffix = "City" if row["kind"] == UnitKind.CITY else "Province"
    return {"short_name": bare, "name_en": f"{_ascii(bare)} {suffix}"}


def _head_of_namesake(sources: list[Unit], name: str) -> str | None:
    """Return the head's email of the merged unit whose name the successor takes, if any."""
    return next((u.head_email for u in sources if fold(u.name) == fold(name)), None)


def provinces_step() -> Step:
    """Return what the provincial merger of 01/07/2025 still has to do here."""
    effective = PROVINCES_EFFECTIVE
    eve = effective - timedelta(days=1)
    old_rows, new_rows = read_csv("provinces_2024.csv"), read_csv("provinces_2025.csv")
    codes = {r["code"] for r in old_rows} | {r["code"] for r in new_rows}
    units = db.session.scalars(
        select(Unit)
        .where(Unit.code.in_(codes), Unit.kind.in_(LOCAL_KINDS))
        .order_by(Unit.valid_from.is_not(None), Unit.valid_from, Unit.id)
    ).all()
    old = {}
    for unit in units:
        if in_force(unit, eve):
            old.setdefault(unit.code, unit)
    formed = {u.code: u for u in units if u.valid_from == effective}
    step = Step(
        "provinces", Plan(effective, ()), [old[r["code"]].id for r in old_rows if r["code"] in old]
    )
    step.missing = [f"{r['code']} {r['name']}" for r in old_rows if r["code"] not in old]
    mergers, renames = [], []
    for row in new_rows:
        from_codes = row["formed_from_2024_codes"].split()
        found = [old[c] for c in from_codes if c in old]
        if from_codes == [row["code"]]:
            unit = old.get(row["code"])
            if unit is not None and (unit.name, unit.kind) != (row["name"], row["kind"]):
                renames.append(Rename(unit.id, row["name"], row["kind"], **_province_names(row)))
            continue
        pending = [u for u in found if u.successor_id is None]
        if not pending:
            step.applied_before += bool(found)
            continue
        existing = formed.get(row["code"])
        successor = (
            existing.id
            if existing is not None
            else NewUnit(
                code=row["code"],
                name=row["name"],
                kind=row["kind"],
                head_email=_head_of_namesake(found, row["name"]),
                **_province_names(row),
            )
        )
        mergers.append(Merger(tuple(u.id for u in pending), successor))
    step.plan = Plan(effective, tuple(mergers), tuple(renames))
    return step


def ministries_step() -> Step:
    """Return what the ministerial merger of 01/03/2025 still has to do here."""
    effective = MINISTRIES_EFFECTIVE
    eve = effective - timedelta(days=1)
    old_rows, new_rows = read_csv("ministries_2024.csv"), read_csv("ministries_2025.csv")
    name_of = {r["short"]: r["name"] for r in old_rows}
    names = {fold(r["name"]) for r in old_rows} | {fold(r["name"]) for r in new_rows}
    units = db.session.scalars(
        select(Unit)
        .where(Unit.search_name.in_(names), Unit.group == UnitGroup.CENTRAL.value)
        .order_by(Unit.valid_from.is_not(None), Unit.valid_from, Unit.id)
    ).all()
    old: dict[str, Unit] = {}
    for unit in units:
        if in_force(unit, eve):
            old.setdefault(unit.search_name, unit)
    formed = {u.search_name: u for u in units if u.valid_from == effective}
    old_ids = [old[fold(r["name"])].id for r in old_rows if fold(r["name"]) in old]
    step = Step("ministries", Plan(effective, ()), old_ids)
    step.missing = [f"{r['short']} {r['name']}" for r in old_rows if fold(r["name"]) not in old]
    mergers = []
    for row in new_rows:
        key = fold(row["name"])
        found = [
            old[fold(name_of[s])]
            for s in row["formed_from_2024"].split()
            if fold(name_of[s]) in old
        ]
        same = old.get(key)
        pending = [u for u in found if u.successor_id is None and u is not same]
        if not pending:
            step.applied_before += any(u is not same for u in found)
            continue
        if same is not None:
            successor: int | NewUnit = same.id
        elif key in formed:
            successor = formed[key].id
        else:
            successor = NewUnit(
                code=row["short"],
                name=row["name"],
                kind=row["kind"],
                short_name=row["short"],
                name_en=row["name_en"],
                head_email=_head_of_namesake(found, row["name"]),
            )
        mergers.append(Merger(tuple(u.id for u in pending), successor))
    step.plan = Plan(effective, tuple(mergers))
    return step


def new_unit_ids(step: Step) -> list[int]:
    """Return the 2025 units of the step as this database holds them (after applying)."""
    effective = step.plan.effective
    if step.name == "provinces":
        codes = [r["code"] for r in read_csv("provinces_2025.csv")]
        query = select(Unit.id).where(Unit.code.in_(codes), Unit.kind.in_(LOCAL_KINDS))
    else:
        names = [fold(r["name"]) for r in read_csv("ministries_2025.csv")]
        query = select(Unit.id).where(
            Unit.search_name.in_(names), Unit.group == UnitGroup.CENTRAL.value
        )
    return list(db.session.scalars(query.where(*_in_force_on(effective))))


def open_count(unit_ids: list[int]) -> int:
    """Return how many open assignments the units hold now (one query)."""
    if not unit_ids:
        return 0
    return db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.unit_id.in_(unit_ids),
            Assignment.state.in_([s.value for s in OPEN_STATES]),
        )
    )
