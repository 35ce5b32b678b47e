"""The cells of a task import: columns, the words they accept, and reading one line."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.domain.deadlines import DeadlineError, format_date, parse_deadline
from tracker.labels import deadline_error_message
from tracker.models import AssignmentRole, Field, Unit, UnitGroup, User
from tracker.services.imports.columns import (
    Column,
    Row,
    choose,
    day,
    normalise_word,
    required,
    words,
)
from tracker.services.imports.lookup import UnitDirectory

FIELD_WORDS = {
    Field.INSTITUTIONS: ("Thể chế", "institutions"),
    Field.DATA: ("Dữ liệu số", "digital data"),
    Field.INFRASTRUCTURE: ("Hạ tầng số", "digital infrastructure"),
    Field.GOVERNMENT: ("Chính phủ số", "digital government"),
    Field.ECONOMY: ("Kinh tế số", "digital economy"),
    Field.SOCIETY: ("Xã hội số", "digital society"),
    Field.SECURITY: ("An toàn thông tin", "information security"),
}
_FIELDS = words(FIELD_WORDS)
_FIELD_CHOICES = tuple(names[0] for names in FIELD_WORDS.values())
ROLE_WORDS = {AssignmentRole.LEAD: ("Chủ trì",), AssignmentRole.SUPPORT: ("Phối hợp",)}
_ROLES = words(ROLE_WORDS)
_ROLE_CHOICES = ("Chủ trì", "Phối hợp")
_PRIORITY = words(
    {"yes": ("x", "có", "y", "1", "true", "trọng tâm"), "no": ("không", "n", "0", "false")}
)
_PRIORITY_CHOICES = ("x", "có", "không")
# Whole groups in the units cell; None is every active unit.
_GROUPS = {
    "central": UnitGroup.CENTRAL,
    "bo nganh": UnitGroup.CENTRAL,
    "local": UnitGroup.LOCAL,
    "dia phuong": UnitGroup.LOCAL,
    "all": None,
    "tat ca": None,
}
_TWO_WORD_GROUPS = {tuple(k.split()) for k in _GROUPS if " " in k}

COLUMNS = (
    Column(
        "title",
        "Tên nhiệm vụ",
        ("nhiệm vụ", "task"),
        required=True,
        max_length=500,
        help=_l("With the document number, names the task: an existing one is updated."),
    ),
    Column("description", "Mô tả", ("nội dung",)),
    Column("source_document", "Văn bản giao", ("văn bản", "document"), max_length=500),
    Column("source_number", "Số ký hiệu", ("số văn bản", "document number"), max_length=100),
    Column(
        "source_date", "Ngày văn bản", ("ngày ban hành", "document date"), help=_l("dd/mm/yyyy")
    ),
    Column("field", "Lĩnh vực", (), required=True, choices=_FIELD_CHOICES),
    Column("priority", "Trọng tâm", ("ưu tiên",), choices=_PRIORITY_CHOICES),
    Column(
        "deadline",
        "Thời hạn",
        ("hạn", "thời hạn hoàn thành"),
        max_length=200,
        help=_l("As written in the document: 30/9/2024, tháng 9/2024, Quý III/2024…"),
    ),
    Column(
        "owner_email",
        "Email cán bộ điều phối",
        ("cán bộ điều phối", "owner"),
        help=_l("An active coordinator; empty: you, for new tasks."),
    ),
    Column(
        "units",
        "Đơn vị",
        ("đơn vị thực hiện", "mã đơn vị", "unit codes"),
        help=_l(
            "Unit codes separated by spaces, commas or semicolons, or whole groups: "
            "bộ ngành, địa phương, tất cả."
        ),
    ),
    Column("role", "Vai trò", ("vai trò đơn vị",), choices=_ROLE_CHOICES),
)

EXAMPLES = (
    (
        "Ban hành Kế hoạch chuyển đổi số năm 2024",
        "Ban hành kế hoạch của bộ, ngành, địa phương",
        "Kế hoạch chuyển đổi số năm 2024",
        "01/KH-UBQGCĐS",
        "15/01/2024",
        "Chính phủ số",
        "x",
        "Quý I/2024",
        "",
        "tất cả",
        "Chủ trì",
    ),
    (
        "Báo cáo kết quả chuyển đổi số 6 tháng đầu năm 2024",
        "",
        "Kế hoạch chuyển đổi số năm 2024",
        "01/KH-UBQGCĐS",
        "15/01/2024",
        "Dữ liệu số",
        "",
        "trước ngày 20/6/2024",
        "",
        "địa phương",
        "Chủ trì",
    ),
)

# Cells of a task (not of an assignment), by the TaskInput fields they fill.
TASK_CELLS = {
    "title": ("title",),
    "description": ("description",),
    "source_document": ("source_document",),
    "source_number": ("source_number",),
    "source_date": ("source_date",),
    "field": ("field",),
    "priority": ("priority",),
    "deadline": ("deadline", "deadline_wording"),
    "owner_email": ("owner_id",),
}


def task_key(title: str, number: str | None) -> tuple[str, str]:
    """Return how a task is recognised: its title and document number, spacing and case
    aside."""

    def norm(text: str | None) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()

    return norm(title), norm(number)


def role_cell(row: Row) -> str:
    """Return the assignment role the row gives its units (lead when blank)."""
    return str(choose(row, "role", _ROLES, _ROLE_CHOICES) or AssignmentRole.LEAD)


def task_cells(
    row: Row, users: dict[str, User], *, before_is_exclusive: bool
) -> tuple[dict, set[str]]:
    """Return the TaskInput values of the row's present columns (blank cells give empty
    values) and the columns it fills; ``before_is_exclusive`` reads deadlines as
    ``parse_deadline`` does."""
    given = {key for key in TASK_CELLS if row.text(key)}
    values: dict = {"title": " ".join(required(row, "title").split())}
    for key in ("description", "source_document"):
        if row.has(key):
            values[key] = row.text(key)
    if row.has("source_number"):
        values["source_number"] = row.text("source_number") or None
    if row.has("source_date"):
        values["source_date"] = day(row, "source_date")
    if row.text("field"):  # required on a task's first line only
        values["field"] = choose(row, "field", _FIELDS, _FIELD_CHOICES)
    if row.has("priority"):
        priority = choose(row, "priority", _PRIORITY, _PRIORITY_CHOICES)
        values["priority"] = priority == "yes"
    if row.has("deadline"):
        values["deadline"], values["deadline_wording"] = _deadline(row, before_is_exclusive)
    if row.text("owner_email"):
        values["owner"] = users.get(row.text("owner_email").lower())
        if values["owner"] is None:
            row.error("owner_email", _("No account has this email address."))
    return values, given


def _deadline(row: Row, before_is_exclusive: bool) -> tuple[date | None, str]:
    value = row.cells["deadline"]
    if isinstance(value, date):
        return value, format_date(value)
    if not value:
        return None, ""
    try:
        parsed = parse_deadline(value, before_is_exclusive=before_is_exclusive)
    except DeadlineError as error:
        row.error("deadline", deadline_error_message(error))
        return None, ""
    return parsed.due, parsed.wording


def unit_cells(row: Row, directory: UnitDirectory) -> list[Unit]:
    """Return the units the row names by codes and groups (errors for unknown codes)."""
    tokens = [t for t in re.split(r"[\s,;]+", row.text("units")) if t]
    found: list[Unit] = []
    index = 0
    while index < len(tokens):
        pair = tuple(normalise_word(t) for t in tokens[index : index + 2])
        word = normalise_word(tokens[index])
        if pair in _TWO_WORD_GROUPS:
            found.extend(directory.active_in(_GROUPS[" ".join(pair)]))
            index += 2
            continue
        index += 1
        if word in _GROUPS:
            found.extend(directory.active_in(_GROUPS[word]))
            continue
        unit, problem = directory.assignable(tokens[index - 1])
        if problem:
            row.error("units", problem)
        else:
            found.append(unit)
    seen: set[int] = set()
    return [u for u in found if not (u.id in seen or seen.add(u.id))]
