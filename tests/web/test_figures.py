"""Figures that cannot be misread: done out of assigned first, the official rate only with
its basis in words, and one colour per status on pages and in files."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from support.people import office

D = date


@pytest.fixture
def world(build):
    def make_world(make):
        office(make, "coordinator")
        units = [make.unit(code=f"T{i:02}", name=f"Tỉnh Số {i:02}") for i in range(63)]
        # Due on 31/05: one province done, one overdue, the rest not due (extended).
        task = make.task(title="Kế hoạch dữ liệu", deadline=D(2024, 5, 31))
        make.assignment(task, units[0], state="completed", submitted_on=D(2024, 5, 20))
        make.assignment(task, units[1], state="in_progress")
        for unit in units[2:]:
            make.assignment(task, unit, state="in_progress", due_date=D(2024, 12, 31))
        later = make.task(title="Kế hoạch năm sau", deadline=D(2025, 6, 30))
        make.assignment(later, units[0])
        return {"task": task.id, "later": later.id}

    return build(make_world)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


BARE_100 = re.compile(r"100,00\s?%(?! trên)")


def test_a_task_with_one_of_63_done_shows_1_of_63_and_the_rate_with_its_basis(client, login, world):
    login("dp@example.org")
    page = _text(client.get(f"/tasks/{world['task']}").get_data(as_text=True))
    assert "Đã hoàn thành 1/63" in page
    assert "Tỷ lệ: 50,00% trên 2 đơn vị đã đến hạn" in page
    assert not BARE_100.search(page)

    report = _text(client.get(f"/reports/tasks/{world['task']}").get_data(as_text=True))
    assert "1/63" in report and "50,00% trên 2 đơn vị đã đến hạn" in report


def test_nothing_due_reads_as_such_never_as_a_rate(client, login, world):
    login("dp@example.org")
    page = _text(client.get(f"/tasks/{world['later']}").get_data(as_text=True))
    assert "Đã hoàn thành 0/1" in page and "Tỷ lệ: chưa có đơn vị đến hạn" in page
    programme = _text(client.get("/reports/").get_data(as_text=True))
    assert "chưa có đơn vị đến hạn" in programme  # the later task's row
    assert not BARE_100.search(programme)


def test_pages_colour_each_status_with_the_one_scheme(client, login, world):
    login("dp@example.org")
    html = client.get(f"/tasks/{world['task']}?status=overdue").get_data(as_text=True)
    assert re.search(r'class="badge status text-bg-overdue">Quá hạn', html)
    assert 'class="card bucket bucket-done h-100"' in html
    assert 'class="card bucket bucket-overdue h-100"' in html
    assert "bucket-success" not in html and "text-bg-success" not in html
    done = client.get(f"/tasks/{world['task']}?status=completed").get_data(as_text=True)
    assert re.search(r'class="badge status text-bg-done">Hoàn thành đúng hạn', done)


def test_the_spreadsheet_gives_the_rate_its_basis_and_no_rate_when_nothing_is_due(
    client, login, world
):
    login("dp@example.org")
    book = load_workbook(io.BytesIO(client.get("/reports/?format=xlsx").data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    rate = header.index("Tỷ lệ hoàn thành (trên số đã đến hạn)")
    assert header[rate - 1] == "Đã đến hạn" and header[rate - 2] == "Đã hoàn thành"
    rows = {row[0].value: [c.value for c in row] for row in sheet.iter_rows(min_row=2)}
    assert rows["Kế hoạch dữ liệu"][rate - 2 : rate + 1] == [1, 2, 0.5]
    assert rows["Kế hoạch năm sau"][rate - 2 : rate + 1] == [0, 0, None]
