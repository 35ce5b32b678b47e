"""Lists download as XLSX or CSV with every filtered row, not only the page shown."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook
from support.people import office
from support.units import ba_ria_vung_tau_province, hanoi_city, health_ministry


def _world(make):
    hanoi = hanoi_city(make, code="01")
    ba_ria_vung_tau_province(make, code="77")
    ministry = health_ministry(make, code="BYT")
    task = make.task(title="Ban hành danh mục CSDL", deadline=date(2024, 6, 30))
    make.assignment(task, hanoi, state="completed", submitted_on=date(2024, 6, 1))
    make.assignment(task, ministry)
    office(make, "admin")
    make.user("focal_point", email="hn@example.org", unit_id=hanoi.id)


def test_the_unit_list_exports_its_filtered_rows(build, client, login):
    build(_world)
    login("admin@example.org")
    response = client.get("/units/?group=local&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Thành phố Hà Nội", "Tỉnh Bà Rịa - Vũng Tàu"]
    hanoi = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "01")
    assert (hanoi[5], hanoi[10]) == (1, 1)  # completed on time, assigned
    assert "Excel" in client.get("/units/").get_data(as_text=True)


def test_the_audit_log_exports_as_csv_for_admins_only(build, client, login):
    build(_world)
    login("admin@example.org")
    client.post("/account/language", data={"language": "vi"})
    response = client.get("/admin/audit?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Thời điểm", "Người thực hiện", "Nội dung"]
    client.post("/logout")
    login("hn@example.org")
    assert client.get("/admin/audit?format=csv").status_code == 403


def test_the_task_list_exports_with_each_tasks_standing(build, client, login):
    build(_world)
    login("hn@example.org")  # a focal point: only its unit's part of each task
    response = client.get("/tasks/?format=csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "Ban hành danh mục CSDL"
    # The deadline as written, then the effective one: Sunday 30/06 ends on Monday 01/07.
    assert rows[1][3:5] == ["30/06/2024", "01/07/2024"]
    assert (rows[1][6], rows[1][11]) == ("1", "1")


HOSTILE = ('=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)")


def test_no_exported_cell_or_header_of_the_matrix_can_run_as_a_formula(build, client, login):
    def world(make):
        _world(make)
        unit = make.unit(name="=1+1 Tỉnh")
        for title in HOSTILE:
            make.assignment(make.task(title=title, deadline=date(2024, 6, 30)), unit)

    build(world)
    login("admin@example.org")
    response = client.get("/reports/matrix?format=xlsx")
    book = load_workbook(io.BytesIO(response.data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {"'" + title for title in HOSTILE} <= texts, texts  # shown after an apostrophe
    assert any("=1+1 Tỉnh" in t for t in texts), texts
    assert [c.coordinate for c in cells if c.data_type == "f"] == []  # none runs
    assert not any(s.title.startswith(("=", "+", "-", "@")) for s in book.worksheets)

    response = client.get("/reports/matrix?format=csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    fields = [field for row in rows for field in row]
    assert "'" + HOSTILE[0] in rows[0]  # the header row too
    assert not [f for f in fields if f.startswith(("=", "+", "-", "@", "\t", "\r"))]
