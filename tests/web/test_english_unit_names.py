"""In English, units are called by their English names where known; Vietnamese pages keep
the official names."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tracker.models import UnitKind

HEALTH = ("Bộ Y tế", "Ministry of Health")
HANOI = ("Thành phố Hà Nội", "Ha Noi")
UNNAMED = "Tỉnh Lào Cai"  # no English name: the official one in both languages


@pytest.fixture
def world(build):
    def make_world(make):
        health = make.unit(name=HEALTH[0], name_en=HEALTH[1], kind=UnitKind.MINISTRY)
        hanoi = make.unit(name=HANOI[0], name_en=HANOI[1], kind=UnitKind.CITY)
        lao_cai = make.unit(name=UNNAMED)
        make.user("coordinator", email="vi@example.org", language="vi")
        make.user("coordinator", email="en@example.org", language="en")
        task = make.task(title="Ban hành danh mục dữ liệu", deadline=date(2024, 6, 30))
        for unit in (health, hanoi, lao_cai):
            make.assignment(task, unit)
        return task.id

    return build(make_world)


PAGES = [
    "/units/",
    "/reports/units?as_of=01/07/2024",
    "/reports/matrix?as_of=01/07/2024",
    "/tasks/{task}",
    "/reports/tasks/{task}?as_of=01/07/2024",
]


@pytest.mark.parametrize("path", PAGES)
def test_english_pages_name_units_in_english_where_known(client, login, world, path):
    login("en@example.org")
    html = client.get(path.format(task=world)).get_data(as_text=True)
    assert HEALTH[1] in html and HANOI[1] in html and UNNAMED in html
    assert HEALTH[0] not in html and HANOI[0] not in html


@pytest.mark.parametrize("path", PAGES)
def test_vietnamese_pages_keep_the_official_names(client, login, world, path):
    login("vi@example.org")
    html = client.get(path.format(task=world)).get_data(as_text=True)
    assert HEALTH[0] in html and HANOI[0] in html and UNNAMED in html
    assert HEALTH[1] not in html and HANOI[1] not in html


def test_english_exports_and_narrative_use_the_english_names(client, login, world):
    login("en@example.org")
    response = client.get(f"/reports/tasks/{world}?as_of=01/07/2024&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {HEALTH[1], HANOI[1], UNNAMED} <= names
    page = client.get(f"/reports/narrative?as_of=01/07/2024&task={world}&lang=en&name_units=1")
    assert "Ministry of Health" in page.get_data(as_text=True)
    vietnamese = client.get(
        f"/reports/narrative?as_of=01/07/2024&task={world}&lang=vi&name_units=1"
    )
    assert HEALTH[0] in vietnamese.get_data(as_text=True)
