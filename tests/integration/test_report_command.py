"""``tracker report`` writes the report files from the command line."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from support.units import ba_ria_vung_tau_province, health_ministry

from tracker.extensions import db

APRIL = datetime(2024, 4, 1, 3, tzinfo=UTC)


def _world(make) -> int:
    given = {"created_at": APRIL, "updated_at": APRIL}
    province = ba_ria_vung_tau_province(make, code="77")
    ministry = health_ministry(make, code="BYT")
    task = make.task(title="Ban hành danh mục CSDL dùng chung", deadline=date(2024, 6, 30))
    make.assignment(task, province, state="completed", submitted_on=date(2024, 6, 1), **given)
    make.assignment(task, ministry, state="in_progress", **given)
    db.session.commit()
    return task.id


def test_xlsx_report_has_every_sheet_with_typed_cells(make, runner, tmp_path):
    _world(make)
    output = tmp_path / "bao-cao.xlsx"
    result = runner.invoke(
        args=["report", "--as-of", "2024-06-30", "--format", "xlsx", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(output)
    assert len(book.sheetnames) == 4
    tasks, missing, units, ageing = book.worksheets
    assert tasks["A2"].value == "Ban hành danh mục CSDL dùng chung"
    assert tasks["C2"].value == datetime(2024, 6, 30)
    assert tasks["D2"].value == datetime(2024, 7, 1)  # the effective deadline
    assert [row[2] for row in missing.iter_rows(min_row=2, values_only=True)] == ["Bộ Y tế"]
    assert units.max_row == 3 and ageing.max_row == 5


def test_csv_report_of_one_task_round_trips_vietnamese(make, runner, tmp_path):
    task_id = _world(make)
    output = tmp_path / "task.csv"
    result = runner.invoke(
        args=["report", "--as-of", "2024-07-05", "--format", "csv", "--output", str(output),
              "--task", str(task_id)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(output, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert {r[1] for r in rows[1:]} == {"Tỉnh Bà Rịa - Vũng Tàu", "Bộ Y tế"}
    overdue = next(r for r in rows if r[1] == "Bộ Y tế")
    # 05/07 vs Monday 01/07: the Sunday 30/06 deadline ends on the next working day.
    assert "Quá hạn" in overdue and "4" in overdue
    assert overdue[5:7] == ["30/06/2024", "01/07/2024"]  # the written and effective dates


def test_narrative_and_bad_dates(make, runner, tmp_path):
    _world(make)
    output = tmp_path / "tom-tat.txt"
    result = runner.invoke(
        args=["report", "--as-of", "2024-06-30", "--report", "narrative", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "0/1 bộ, ngành và 1/1 địa phương" in output.read_text(encoding="utf-8-sig")
    bad = runner.invoke(args=["report", "--as-of", "30/06/2024", "--output", str(output)])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
