"""Report pages through HTTP: who may read them, what they say, exports and query counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from support.people import office
from support.units import ba_ria_vung_tau_province, hanoi_city

from tracker.models import UnitKind


@pytest.fixture
def world(build):
    return build(_world)


APRIL = datetime(2024, 4, 1, 3, tzinfo=UTC)


def _world(make, provinces: int = 2, extra_tasks: int = 0, people: bool = True):
    """A catalogue task given on 01/04/2024; the ministry reports on 01/07, one day late."""
    given = {"created_at": APRIL, "updated_at": APRIL}
    units = [
        ba_ria_vung_tau_province(make),
        hanoi_city(make),
    ]
    units += [make.unit() for _ in range(provinces - 2)]
    ministry = make.unit(name="Bộ Thông tin và Truyền thông", kind=UnitKind.MINISTRY)
    catalogue = make.task(title="Ban hành danh mục CSDL dùng chung", deadline=date(2024, 6, 30))
    make.assignment(catalogue, units[0], state="completed", submitted_on=date(2024, 6, 1), **given)
    make.assignment(catalogue, units[1], state="in_progress", **given)
    for unit in units[2:]:
        make.assignment(catalogue, unit, **given)
    late = make.assignment(catalogue, ministry, state="in_progress", **given)
    late.state, late.submitted_on = "completed", date(2024, 7, 1)
    late.updated_at = datetime(2024, 7, 1, 3, tzinfo=UTC)
    for n in range(extra_tasks):
        task = make.task(title=f"Nhiệm vụ thêm {n}", deadline=date(2024, 5, 31))
        for unit in (*units, ministry):
            make.assignment(task, unit, **given)
    if people:
        office(make, "coordinator", "viewer")
        make.user("focal_point", email="hn@example.org", unit_id=units[1].id)
    return {"task": catalogue.id, "unit": units[0].id}


PAGES = ("/reports/", "/reports/units", "/reports/matrix", "/reports/narrative")


@pytest.mark.parametrize("email", ["dp@example.org", "ld@example.org"])
def test_coordinators_and_viewers_read_every_report(client, login, world, email):
    login(email)
    for url in (*PAGES, f"/reports/tasks/{world['task']}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Bà Rịa - Vũng Tàu" in response.get_data(as_text=True) or url in (
            "/reports/",
            "/reports/narrative",
        )


def test_focal_points_cannot_read_programme_reports(client, login, world):
    login("hn@example.org")
    for url in (*PAGES, f"/reports/tasks/{world['task']}", "/reports/?format=xlsx"):
        assert client.get(url).status_code == 403, url


def test_the_programme_page_states_the_split_and_draws_charts(client, login, world):
    login("dp@example.org")
    html = client.get("/reports/?as_of=30/06/2024").get_data(as_text=True)
    assert "<td>0/1 bộ, ngành và 1/2 địa phương đã hoàn thành" in html  # ministry: 01/07
    assert html.count("<svg") >= 3
    later = client.get("/reports/?as_of=01/07/2024").get_data(as_text=True)
    assert "<td>1 bộ, ngành và 1/2 địa phương đã hoàn thành" in later


def test_a_bad_as_of_date_is_reported_and_today_is_used(client, login, world):
    login("dp@example.org")
    html = client.get("/reports/?as_of=31/02/2024").get_data(as_text=True)
    assert "không phải là ngày" in html or "31/02/2024" in html
    assert "01/07/2024" in html


def test_xlsx_export_has_the_sheets_headers_typed_dates_and_rows(client, login, world):
    login("dp@example.org")
    response = client.get("/reports/?as_of=01/07/2024&format=xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["Content-Type"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["Nhiệm vụ", "Đơn vị chưa hoàn thành"]
    tasks = book["Nhiệm vụ"]
    header = [c.value for c in tasks[1]]
    assert header[:3] == ["Nhiệm vụ", "Lĩnh vực", "Thời hạn"]
    assert tasks.max_row == 2
    assert tasks["C2"].value == datetime(2024, 6, 30)
    assert tasks["C2"].number_format == "dd/mm/yyyy"
    missing = book["Đơn vị chưa hoàn thành"]
    assert missing.max_row == 2  # only Hà Nội
    assert missing["C2"].value == "Thành phố Hà Nội"


def test_task_csv_export_round_trips_vietnamese(client, login, world):
    login("dp@example.org")
    response = client.get(f"/reports/tasks/{world['task']}?format=csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    names = {row[1] for row in rows[1:]}
    assert {"Tỉnh Bà Rịa - Vũng Tàu", "Bộ Thông tin và Truyền thông"} <= names
    assert len(rows) == 4


def test_unit_scorecards_rank_and_export(client, login, world):
    login("dp@example.org")
    html = client.get("/reports/units?as_of=01/07/2024").get_data(as_text=True)
    assert html.index("Bà Rịa - Vũng Tàu") < html.index("Thành phố Hà Nội")
    book = load_workbook(io.BytesIO(client.get("/reports/units?format=xlsx").data))
    sheet = book.worksheets[0]
    assert sheet.max_row == 4
    assert sheet["A2"].value == 1


def test_printable_pages_have_no_navigation(client, login, world):
    login("dp@example.org")
    html = client.get("/reports/?print=1").get_data(as_text=True)
    assert "navbar" not in html and "<svg" in html


def test_the_narrative_is_generated_edited_and_exported(client, login, world):
    login("dp@example.org")
    html = client.get(f"/reports/narrative?as_of=30/06/2024&task={world['task']}&name_units=1")
    text = html.get_data(as_text=True)
    assert "1/2 địa phương" in text and "Thành phố Hà Nội" in text
    english = client.get(f"/reports/narrative?task={world['task']}&lang=en").get_data(as_text=True)
    assert "provinces" in english
    edited = "Báo cáo đã sửa: 98,62% đơn vị hoàn thành."
    response = client.post("/reports/narrative/export", data={"text": edited, "download": "1"})
    assert response.status_code == 200
    assert response.data.decode("utf-8-sig") == edited
    assert "attachment" in response.headers["Content-Disposition"]
    printed = client.post("/reports/narrative/export", data={"text": edited, "print_page": "1"})
    assert edited in printed.get_data(as_text=True)
    empty = client.post("/reports/narrative/export", data={"text": "", "download": "1"})
    assert empty.status_code == 400


def test_report_pages_run_the_same_queries_whatever_the_size(
    app, build, client, login, query_counter
):
    build(lambda make: _world(make, provinces=3, extra_tasks=1))
    login("dp@example.org")

    def counts() -> list[int]:
        result = []
        for url in (*PAGES, "/reports/?format=xlsx", "/reports/units?format=csv"):
            with query_counter() as statements:
                assert (
                    client.get(url + ("&" if "?" in url else "?") + "as_of=15/06/2024").status_code
                    == 200
                )
            result.append(len(statements))
        return result

    small = counts()
    build(lambda make: _world(make, provinces=12, extra_tasks=5, people=False))
    assert counts() == small
