"""Importing units and users from CSV and XLSX files (both backends); the file checks."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from flask import current_app
from sqlalchemy import select
from support.imports import csv_bytes, table_counts, xlsx_bytes
from support.outbox import deliver, point_at
from support.people import office
from support.units import hue_province

from tracker.extensions import db
from tracker.models import EmailMessage, Event, Unit, UnitKind, User
from tracker.services.errors import NotAllowed, ServiceError
from tracker.services.imports.importing import run_import
from tracker.settings import Settings

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)

UNIT_HEADER = ("Mã", "Tên đơn vị", "Loại", "Email lãnh đạo")
UNITS = [
    UNIT_HEADER,
    ("BYT", "Bộ Y tế", "Bộ", "lanhdao@byt.example.vn"),
    ("01", "Thành phố Hà Nội", "Thành phố trực thuộc trung ương", ""),
    ("46", "Tỉnh Thừa Thiên Huế", "province", "ubnd@hue.example.vn"),
]


@pytest.fixture
def admin(make):
    (user,) = office(make, "admin", language="en")
    db.session.commit()
    return user


def _import(kind, data, actor, settings=None, **kw):
    """Import as the pages do, with the test app's settings unless ``settings`` are given."""
    if settings is None:
        settings = Settings.from_config(current_app.config, current_app.instance_path)
    return run_import(kind, data, actor=actor, now=NOW, settings=settings, **kw)


def _lines(result) -> list[int]:
    return sorted({error.line for error in result.errors})


@pytest.mark.parametrize("build", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_good_units_file_imported_twice_changes_nothing_the_second_time(admin, build):
    first = _import("units", build(UNITS), admin)
    assert first.ok and len(first.created) == 3 and first.updated == []
    before = table_counts()
    second = _import("units", build(UNITS), admin)
    assert (second.created, second.updated, second.unchanged) == ([], [], 3)
    assert table_counts() == before
    hue = db.session.scalar(select(Unit).where(Unit.code == "46"))
    assert (hue.kind, hue.group, hue.head_email) == ("province", "local", "ubnd@hue.example.vn")


def test_units_file_with_three_bad_rows_is_rejected_whole_naming_them(admin):
    rows = [
        UNIT_HEADER,
        ("BYT", "Bộ Y tế", "Bộ", ""),
        ("BTC", "Bộ Tài chính", "Bộ lạ", ""),
        ("02", "Tỉnh Hà Giang", "Tỉnh", "không-phải-email"),
        ("byt", "Bộ Y tế (lặp)", "Bộ", ""),
        ("04", "Tỉnh Cao Bằng", "Tỉnh", ""),
    ]
    result = _import("units", csv_bytes(rows), admin)
    assert _lines(result) == [3, 4, 5]
    by_line = {e.line: e for e in result.errors}
    assert by_line[3].column == "Loại" and by_line[3].value == "Bộ lạ"
    assert by_line[4].column == "Email lãnh đạo"
    assert "line 2" in by_line[5].message
    assert db.session.scalar(select(Unit.id)) is None
    assert db.session.scalar(select(Event.id)) is None


def test_imported_units_are_recorded_like_the_admin_pages_do(admin):
    result = _import("units", csv_bytes(UNITS), admin)
    kinds = list(db.session.scalars(select(Event.kind).order_by(Event.id)))
    assert kinds == ["unit_created"] * 3 + ["import"]
    summary = db.session.scalar(select(Event).where(Event.kind == "import"))
    assert summary.target == "import:units" and summary.actor_id == admin.id
    assert summary.data == {"created": 3, "updated": 0, "unchanged": 0, "assignments": 0}
    assert result.created[0] == "Bộ Y tế (BYT)"


def test_reimport_updates_changed_units_and_leaves_absent_columns_alone(admin, make):
    unit = make.unit(
        code="BYT", name="Bộ Y tế", kind=UnitKind.MINISTRY, name_en="Ministry of Health"
    )
    db.session.commit()
    rows = [("Mã", "Tên đơn vị", "Loại"), ("byt", "Bộ Y tế Việt Nam", "Bộ")]
    result = _import("units", csv_bytes(rows), admin)
    assert result.updated == ["Bộ Y tế Việt Nam (BYT)"] and result.created == []
    db.session.refresh(unit)
    assert (unit.name, unit.name_en, unit.code) == ("Bộ Y tế Việt Nam", "Ministry of Health", "BYT")
    event = db.session.scalar(select(Event).where(Event.kind == "unit_updated"))
    assert event.data == {"name": ["Bộ Y tế", "Bộ Y tế Việt Nam"]} and event.unit_id == unit.id


def test_a_code_means_the_unit_valid_on_the_rows_start_date(admin, make):
    old = make.unit(code="08", name="Tỉnh Tuyên Quang", valid_to=date(2025, 6, 30))
    new = make.unit(code="08", name="Tỉnh Tuyên Quang mới", valid_from=date(2025, 7, 1))
    db.session.commit()
    rows = [
        ("Mã", "Tên đơn vị", "Loại", "Hiệu lực từ", "Mã đơn vị kế thừa"),
        ("08", "Tỉnh Tuyên Quang (2025)", "Tỉnh", "01/07/2025", ""),
        ("8", "Tỉnh Tuyên Quang", "Tỉnh", "", "08"),  # a number-formatted code, valid today
    ]
    result = _import("units", csv_bytes(rows), admin)
    assert result.ok, result.errors
    db.session.refresh(old), db.session.refresh(new)
    assert new.name == "Tỉnh Tuyên Quang (2025)"
    # The successor code names the 08 valid the day after the old one's end: the new one.
    assert (old.code, old.name, old.successor_id) == ("08", "Tỉnh Tuyên Quang", new.id)


def test_successor_codes_name_the_unit_valid_after_the_end(admin, make):
    make.unit(code="08", name="Tỉnh Tuyên Quang", valid_from=date(2025, 7, 1))
    db.session.commit()
    rows = [
        ("Mã", "Tên đơn vị", "Loại", "Hiệu lực đến", "Mã đơn vị kế thừa"),
        ("02", "Tỉnh Hà Giang", "Tỉnh", "30/06/2025", "08"),
        ("99", "Tỉnh Mới", "Tỉnh", "30/06/2025", "77"),
    ]
    result = _import("units", csv_bytes(rows), admin)
    assert [(e.line, e.column) for e in result.errors] == [(3, "Mã đơn vị kế thừa")]
    result = _import("units", csv_bytes(rows[:2]), admin)
    ha_giang = db.session.scalar(select(Unit).where(Unit.code == "02"))
    assert ha_giang.successor.name == "Tỉnh Tuyên Quang"


def test_a_code_used_in_an_overlapping_period_is_refused(admin, make):
    make.unit(code="BYT", name="Bộ Y tế", kind=UnitKind.MINISTRY, valid_from=date(2025, 3, 1))
    db.session.commit()
    # No unit has the code today: a new unit, whose open period overlaps the existing one.
    rows = [("Mã", "Tên đơn vị", "Loại"), ("BYT", "Bộ Y tế mới", "Bộ")]
    result = _import("units", csv_bytes(rows), admin)
    assert [(e.line, e.column) for e in result.errors] == [(2, "Mã")]
    assert "already used by Bộ Y tế" in result.errors[0].message


def test_bom_and_semicolons_are_read_and_vietnamese_round_trips(admin):
    decomposed = unicodedata.normalize("NFD", "Tỉnh Đắk Lắk")
    rows = [("mã", "TEN DON VI", "loai"), ("66", decomposed, "tinh"), ("BNV", "Bộ Nội vụ", "BO")]
    result = _import("units", csv_bytes(rows, delimiter=";", bom=True), admin)
    assert result.ok, result.errors
    names = set(db.session.scalars(select(Unit.name)))
    assert names == {decomposed, "Bộ Nội vụ"}


def test_xlsx_dates_arrive_as_real_dates(admin):
    rows = [
        ("Mã", "Tên đơn vị", "Loại", "Hiệu lực từ"),
        (1, "Thành phố Hà Nội", "city", datetime(2025, 7, 1)),
    ]
    assert _import("units", xlsx_bytes(rows), admin).ok
    unit = db.session.scalar(select(Unit))
    assert (unit.code, unit.valid_from) == ("1", date(2025, 7, 1))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "(.xls)"),
        (b"PK\x03\x04 not a zip", "neither a CSV file nor an Excel workbook"),
        (b"", "empty"),
    ],
)
def test_files_that_are_not_tables_are_refused_clearly(admin, data, message):
    with pytest.raises(ServiceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _import("units", data, admin)


def test_size_and_row_limits(admin, settings):
    limits = replace(settings, import_max_bytes=1024 * 1024, import_max_rows=2)
    with pytest.raises(ServiceError, match="larger than 1 MB"):
        _import("units", b"x" * (1024 * 1024 + 1), admin, limits)
    with pytest.raises(ServiceError, match="more than 2 rows"):
        _import("units", csv_bytes(UNITS), admin, limits)


def test_missing_and_unknown_columns_are_file_errors(admin):
    rows = [("Mã", "Loại", "Ghi chú", "STT"), ("BYT", "Bộ", "x", "1")]
    result = _import("units", csv_bytes(rows), admin)
    assert {(e.line, e.column) for e in result.errors} == {(1, "Ghi chú"), (1, "Tên đơn vị")}


def test_check_only_writes_nothing_but_says_what_would_happen(admin):
    result = _import("units", csv_bytes(UNITS), admin, dry_run=True)
    assert result.ok and len(result.created) == 3
    assert db.session.scalar(select(Unit.id)) is None


def test_only_admins_import_units_and_users(make):
    coordinator = make.user("coordinator")
    db.session.commit()
    for kind in ("units", "users"):
        with pytest.raises(NotAllowed):
            _import(kind, csv_bytes(UNITS), coordinator)


def test_unit_import_reads_in_a_constant_number_of_queries(admin, query_counter):
    def file(prefix: str, n: int) -> bytes:
        rows = [(f"{prefix}{i}", f"Tỉnh {prefix} {i}", "Tỉnh", "") for i in range(n)]
        return csv_bytes([UNIT_HEADER, *rows])

    with query_counter() as few:
        assert _import("units", file("A", 3), admin).ok
    with query_counter() as many:
        assert len(_import("units", file("B", 40), admin).created) == 40
    selects = [[q for q in run if q.lstrip().startswith("SELECT")] for run in (few, many)]
    assert len(selects[0]) == len(selects[1])
    # PostgreSQL inserts many rows per statement; SQLite cannot return the ids of a
    # multi-row insert in order, so SQLAlchemy's ORM inserts one row at a time there.
    if db.engine.dialect.name == "postgresql":
        assert len(many) == len(few)


# Users


USER_HEADER = ("Email", "Họ và tên", "Vai trò", "Mã đơn vị", "Ngôn ngữ")


@pytest.fixture
def province(make):
    unit = hue_province(make, code="46")
    db.session.commit()
    return unit


def test_users_are_created_without_a_usable_password_and_reimport_changes_nothing(admin, province):
    rows = [
        USER_HEADER,
        ("DauMoi@Hue.example.vn", "Nguyễn Văn A", "Đầu mối", "46", ""),
        ("dp@example.org", "Trần Thị B", "coordinator", "", "en"),
    ]
    result = _import("users", csv_bytes(rows), admin)
    assert result.ok and len(result.created) == 2
    focal = db.session.scalar(select(User).where(User.email == "daumoi@hue.example.vn"))
    assert (focal.role, focal.unit_id, focal.language) == ("focal_point", province.id, "vi")
    before = table_counts()
    again = _import("users", xlsx_bytes(rows), admin)
    assert (again.created, again.updated, again.unchanged) == ([], [], 2)
    assert table_counts() == before


def test_bad_user_rows_are_all_named(admin, province):
    rows = [
        USER_HEADER,
        ("a@example.org", "A", "Đầu mối", "99", ""),
        ("b@example", "B", "viewer", "", ""),
        ("c@example.org", "C", "chef", "", ""),
        ("c@example.org", "C", "viewer", "", ""),
        ("d@example.org", "D", "viewer", "46", ""),
        ("e@example.org", "E", "Đầu mối", "", ""),
    ]
    result = _import("users", csv_bytes(rows), admin)
    assert _lines(result) == [2, 3, 4, 5, 6, 7]
    assert db.session.scalar(select(User.id).where(User.id != admin.id)) is None


def test_existing_users_are_updated_but_keep_their_password(admin, make, province):
    user = make.user("viewer", email="ld@example.org", name="Lê Văn C")
    db.session.commit()
    password_hash = user.password_hash
    rows = [USER_HEADER, ("LD@example.org", "Lê Văn C", "Đầu mối", "46", "en")]
    result = _import("users", csv_bytes(rows), admin)
    assert result.updated == ["Lê Văn C <ld@example.org>"]
    db.session.refresh(user)
    assert (user.role, user.unit_id, user.language) == ("focal_point", province.id, "en")
    assert user.password_hash == password_hash
    event = db.session.scalar(select(Event).where(Event.kind == "user_updated"))
    assert event.data["role"] == ["viewer", "focal_point"]


def test_an_admin_cannot_change_their_own_role_by_import(admin):
    rows = [USER_HEADER, ("admin@example.org", "Admin", "viewer", "", "en")]
    assert _lines(_import("users", csv_bytes(rows), admin)) == [2]


def test_invitations_are_queued_with_the_import_and_sent_by_the_outbox(
    ctx, admin, province, smtp_server
):
    point_at(ctx, smtp_server)
    people = [(f"u{i}@example.org", f"Người {i}", "Đầu mối", "46", "") for i in range(3)]
    # A file with an error imports nothing and queues no invitation.
    broken = [USER_HEADER, *people, ("not-an-email", "X", "Đầu mối", "46", "")]
    assert _import("users", csv_bytes(broken), admin, invite=True).errors
    assert db.session.scalars(select(EmailMessage)).all() == []
    result = _import("users", csv_bytes([USER_HEADER, *people]), admin, invite=True)
    assert result.invited == 3
    queued = db.session.scalars(select(EmailMessage).order_by(EmailMessage.id)).all()
    assert [(e.kind, e.to, e.state) for e in queued] == [
        ("invitation", f"u{i}@example.org", "pending") for i in range(3)
    ]
    invited = list(db.session.scalars(select(Event).where(Event.kind == "invitation_sent")))
    assert sorted(e.data["email_id"] for e in invited) == [e.id for e in queued]
    assert smtp_server.messages == []
    assert deliver(ctx).sent == 3
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == [
        f"u{i}@example.org" for i in range(3)
    ]


def test_cli_imports_and_reports_errors_by_line(runner, app, tmp_path):
    good = tmp_path / "units.csv"
    good.write_bytes(csv_bytes(UNITS))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([UNIT_HEADER, ("X", "Tỉnh X", "Tỉnh", ""), ("Y", "", "Tỉnh", "")]))
    result = runner.invoke(args=["import", "units", str(bad)])
    assert result.exit_code == 1
    assert "line 3: Tên đơn vị:" in result.output
    result = runner.invoke(args=["import", "units", str(good), "--dry-run"])
    assert result.exit_code == 0 and "3 created" in result.output
    result = runner.invoke(args=["import", "units", str(good)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["import", "units", str(good)])
    assert "0 created, 0 updated, 3 unchanged" in result.output
    with app.app_context():
        assert db.session.scalar(select(Event.actor_id).where(Event.kind == "import")) is None


def test_cli_acts_as_a_user_with_that_users_rights(runner, app, build, tmp_path):
    build(
        lambda make: (
            make.user("admin", email="admin@example.org"),
            make.user("viewer", email="ld@example.org", language="en"),
        )
    )
    good = tmp_path / "units.xlsx"
    good.write_bytes(xlsx_bytes(UNITS))
    refused = runner.invoke(args=["import", "units", str(good), "--as", "ld@example.org"])
    assert refused.exit_code == 1 and "permission" in refused.output
    done = runner.invoke(args=["import", "units", str(good), "--as", "ADMIN@example.org"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        actor = db.session.scalar(select(Event.actor_id).where(Event.kind == "import"))
        assert actor == db.session.scalar(select(User.id).where(User.email == "admin@example.org"))
