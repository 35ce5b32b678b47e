"""Importing units: a code names the unit valid on the row's start date (else today).

The rules are the administration's (``admin_units``): codes upper-cased, the group from
the kind, a code used by one unit at a time. Columns absent from the file leave existing
units' values alone; a blank cell in a present column clears the value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.extensions import db
from tracker.models import Unit, UnitKind, User
from tracker.services import events
from tracker.services.admin.units import UnitFields, check_code_free, clean_unit_fields
from tracker.services.errors import ServiceError
from tracker.services.imports.columns import Column, Row, choose, day, email, required, words
from tracker.services.imports.lookup import UnitDirectory, code_key, valid_on
from tracker.services.imports.result import Plan, plain
from tracker.settings import Settings

KIND_WORDS = {
    UnitKind.MINISTRY: ("Bộ", "ministry"),
    UnitKind.MINISTRY_LEVEL: ("Cơ quan ngang bộ", "ministry-level agency"),
    UnitKind.GOVERNMENT_AGENCY: ("Cơ quan thuộc Chính phủ", "government agency"),
    UnitKind.PROVINCE: ("Tỉnh", "province"),
    UnitKind.CITY: ("Thành phố trực thuộc trung ương", "Thành phố", "centrally-run city", "city"),
    UnitKind.OTHER: ("Khác", "other"),
}
_KINDS = words(KIND_WORDS)
_KIND_CHOICES = tuple(names[0] for names in KIND_WORDS.values())
_PERIOD = _l("dd/mm/yyyy; empty means no limit.")

COLUMNS = (
    Column(
        "code",
        "Mã",
        ("mã đơn vị", "unit code"),
        required=True,
        max_length=20,
        help=_l("Names the unit active on the start date (else today), updated if it exists."),
    ),
    Column("name", "Tên đơn vị", ("tên", "unit name"), required=True, max_length=255),
    Column("kind", "Loại", ("loại đơn vị", "unit kind"), required=True, choices=_KIND_CHOICES),
    Column("short_name", "Tên viết tắt", ("short name",), max_length=40),
    Column("name_en", "Tên tiếng Anh", ("english name",), max_length=255),
    Column(
        "head_email",
        "Email lãnh đạo",
        ("email lãnh đạo đơn vị", "head email"),
        max_length=255,
        help=_l("Receives escalations when the unit is overdue."),
    ),
    Column("valid_from", "Hiệu lực từ", ("từ ngày", "active from"), help=_PERIOD),
    Column("valid_to", "Hiệu lực đến", ("đến ngày", "active until"), help=_PERIOD),
    Column(
        "successor_code",
        "Mã đơn vị kế thừa",
        ("đơn vị kế thừa", "successor"),
        max_length=20,
        help=_l("The code of the unit that takes over after the end date."),
    ),
)

EXAMPLES = (
    ("BYT", "Bộ Y tế", "Bộ", "BYT", "Ministry of Health", "lanhdao@byt.example.vn", "", "", ""),
    (
        "01",
        "Thành phố Hà Nội",
        "Thành phố trực thuộc trung ương",
        "Hà Nội",
        "Hanoi",
        "",
        "",
        "",
        "",
    ),
)

# Successor chains are short (a merger or two); a longer walk means a cycle.
_MAX_CHAIN = 50


@dataclass(eq=False)
class _Entry:
    """A unit as the file leaves it: an existing unit (perhaps changed) or a new one."""

    fields: UnitFields
    unit: Unit | None = None  # the row: existing when planning, new ones once applied
    new: bool = False
    line: int | None = None  # the row of the file that imports it
    successor: _Entry | None = None
    changes: dict = field(default_factory=dict)

    # What ``check_code_free`` reads of the other units.
    @property
    def name(self) -> str:
        return self.fields.name

    @property
    def valid_from(self) -> date | None:
        return self.fields.valid_from

    @property
    def valid_to(self) -> date | None:
        return self.fields.valid_to


@dataclass
class UnitPlan(Plan):
    entries: list[_Entry] = field(default_factory=list)

    def apply(self, actor: User | None, now: datetime) -> None:
        for entry in self.entries:
            if entry.new:
                values = asdict(entry.fields) | {"successor_id": None}
                entry.unit = Unit(**values, active=True)
                db.session.add(entry.unit)
        db.session.flush()
        for entry in self.entries:
            unit = entry.unit
            successor_id = entry.successor.unit.id if entry.successor else None
            if entry.new:
                unit.successor_id = successor_id
                data = {k: plain(v) for k, v in asdict(entry.fields).items()}
                data["successor_id"] = successor_id
                _record("unit_created", unit, data, actor, now)
                continue
            changes = dict(entry.changes)
            if successor_id != unit.successor_id:
                changes["successor_id"] = [unit.successor_id, successor_id]
            if not changes:
                continue
            for key, (_old, new) in changes.items():
                setattr(unit, key, new)
            data = {key: [plain(old), plain(new)] for key, (old, new) in changes.items()}
            _record("unit_updated", unit, data, actor, now)
        db.session.flush()


def _record(kind: str, unit: Unit, data: dict, actor: User | None, now: datetime) -> None:
    events.record(kind, actor=actor, now=now, unit_id=unit.id, target=f"unit:{unit.id}", data=data)


def plan(rows: list[Row], *, actor: User | None, today: date, settings: Settings) -> UnitPlan:
    """Return what importing ``rows`` would create and change; errors are on the rows (no
    setting changes how units import: every kind's ``plan`` takes the same arguments)."""
    result = UnitPlan()
    entries: dict[str, list[_Entry]] = defaultdict(list)
    by_id: dict[int, _Entry] = {}
    for unit in UnitDirectory(today).units:
        values = {f.name: getattr(unit, f.name) for f in fields(UnitFields)}
        entry = _Entry(UnitFields(**values), unit)
        entries[code_key(unit.code)].append(entry)
        by_id[unit.id] = entry
    for entry in by_id.values():
        entry.successor = by_id.get(entry.unit.successor_id)
    imported: list[tuple[Row, _Entry]] = []
    for row in rows:
        entry = _plan_row(row, entries, today)
        if entry is not None:
            imported.append((row, entry))
    for row, entry in imported:
        _plan_successor(row, entry, entries, today)
    for row, entry in imported:
        _check_chain(row, entry)
    for row in rows:
        result.errors.extend(row.errors)
    for _row, entry in imported:
        result.entries.append(entry)
        label = f"{entry.fields.name} ({entry.fields.code})"
        if entry.new:
            result.created.append(label)
        elif entry.changes or entry.successor is not by_id.get(entry.unit.successor_id):
            result.updated.append(label)
        else:
            result.unchanged += 1
    return result


def _parse(row: Row) -> dict:
    values: dict = {"code": required(row, "code").upper(), "name": required(row, "name")}
    if required(row, "kind"):
        values["kind"] = choose(row, "kind", _KINDS, _KIND_CHOICES)
    for key in ("short_name", "name_en"):
        if row.has(key):
            values[key] = row.text(key) or None
    if row.has("head_email"):
        values["head_email"] = email(row, "head_email")
    for key in ("valid_from", "valid_to"):
        if row.has(key):
            values[key] = day(row, key)
    start, end = values.get("valid_from"), values.get("valid_to")
    if start and end and end < start:
        row.error("valid_to", _("The end of the active period is before its start."))
    return values


def _plan_row(row: Row, entries: dict[str, list[_Entry]], today: date) -> _Entry | None:
    """Return the entry the row creates or updates (None when it cannot be matched)."""
    values = _parse(row)
    if not values["code"]:
        return None
    key = code_key(values["code"])
    reference = values.get("valid_from") or today
    matches = [e for e in entries[key] if valid_on(e, reference)]
    claimed = [e for e in matches if e.line is not None]
    if claimed:
        row.error("code", _duplicate(claimed[0].line))
        return None
    if len(matches) > 1:
        row.error("code", _("Several units have this code on that date: fix them first."))
    if row.errors:
        return None
    entry = matches[0] if matches else _Entry(UnitFields(values["code"], "", ""), new=True)
    old = entry.fields
    merged = replace(old, **values)
    if entry.new or merged.kind != old.kind:
        merged.group = None  # derived from the kind
    try:
        cleaned = clean_unit_fields(merged)
    except ServiceError as error:
        row.error("code", error.message)
        return None
    others = [e for e in entries[key] if e is not entry]
    for other in (e for e in others if e.line is not None):
        try:
            check_code_free(cleaned, [other])
        except ServiceError:
            row.error("code", _duplicate(other.line))
            return None
    try:
        check_code_free(cleaned, others)
    except ServiceError as error:
        row.error("code", error.message)
        return None
    if entry.new:
        cleaned.code = values["code"]
        entries[key].append(entry)
    else:
        cleaned.code = old.code  # "1" for "01" matched the unit: its code stays as it is
        entry.changes = {
            k: [getattr(old, k), v]
            for k, v in asdict(cleaned).items()
            if k != "successor_id" and getattr(old, k) != v
        }
    entry.fields, entry.line = cleaned, row.line
    return entry


def _duplicate(line: int) -> str:
    return _("Duplicate: line %(line)s already imports this code for this period.", line=line)


def _plan_successor(row: Row, entry: _Entry, entries, today: date) -> None:
    if not row.has("successor_code"):
        return
    code = row.text("successor_code")
    if not code:
        entry.successor = None
        return
    end = entry.fields.valid_to
    reference = end + timedelta(days=1) if end else today
    found = [e for e in entries[code_key(code)] if valid_on(e, reference)]
    if len(found) != 1:
        row.error("successor_code", _("Unknown unit code “%(code)s”.", code=code))
    elif found[0] is entry:
        row.error("successor_code", _("A unit cannot be its own successor."))
    else:
        entry.successor = found[0]


def _check_chain(row: Row, entry: _Entry) -> None:
    current = entry.successor
    for _step in range(_MAX_CHAIN):
        if current is None:
            return
        if current is entry:
            break
        current = current.successor
    row.error("successor_code", _("This successor would make a circle of successors."))
