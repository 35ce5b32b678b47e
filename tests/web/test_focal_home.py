"""A focal point's home: their unit's to-do list, most urgent first, each with its next step."""

from __future__ import annotations

import re
from datetime import date

import pytest
from support.today import NOW
from support.units import hanoi_hue_and_health_ministry

from tracker.extensions import db
from tracker.models import ExtensionRequest

D = date


@pytest.fixture
def world(build):
    return build(_world)


def _world(make):
    hanoi, hue, _ministry = hanoi_hue_and_health_ministry(make)
    focal = make.user("focal_point", email="hn@example.org", unit_id=hanoi.id)
    make.user("focal_point", email="hue@example.org", unit_id=hue.id)
    ids = {"unit": hanoi.id}
    for key, title, due, fields in [
        ("later", "Kế hoạch năm 2025", D(2024, 12, 31), {"state": "assigned"}),
        ("soon", "Báo cáo quý III", D(2024, 7, 3), {"state": "in_progress"}),
        ("overdue", "Danh mục CSDL dùng chung", D(2024, 6, 20), {"state": "in_progress"}),
        (
            "returned",
            "Kế hoạch chuyển đổi số",
            D(2024, 6, 28),
            {"state": "in_progress", "returned_at": NOW, "return_reason": "Thiếu phụ lục"},
        ),
        ("asked", "Nền tảng dữ liệu", D(2024, 6, 25), {"state": "in_progress"}),
        (
            "waiting",
            "Báo cáo 6 tháng",
            D(2024, 6, 15),
            {"state": "submitted", "submitted_on": D(2024, 6, 10)},
        ),
        ("no_deadline", "Hướng dẫn nội bộ", None, {"state": "assigned"}),
        (
            "done",
            "Việc đã xong",
            D(2024, 5, 31),
            {"state": "completed", "submitted_on": D(2024, 5, 2)},
        ),
    ]:
        task = make.task(title=title, deadline=due)
        ids[key] = make.assignment(task, hanoi, due_date=due, **fields).id
        if key == "overdue":
            ids["hue"] = make.assignment(task, hue, state="assigned").id
    db.session.add(
        ExtensionRequest(
            assignment_id=ids["asked"],
            requested_by_id=focal.id,
            requested_at=NOW,
            current_due=D(2024, 6, 25),
            requested_due=D(2024, 8, 31),
            reason="Chờ kinh phí",
        )
    )
    return ids


def _items(html: str) -> list[tuple[str, str, str]]:
    """Return (assignment link, next action, text) of each to-do item, in order."""
    found = []
    for item in re.findall(r'<li class="todo-item.*?</li>', html, re.S):
        link = re.search(r'href="(/assignments/\d+)"', item).group(1)
        action = re.search(r'data-action="(\w+)"', item).group(1)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
        found.append((link, action, text))
    return found


def test_the_to_do_list_puts_the_most_urgent_first_with_the_next_step(client, login, world):
    login("hn@example.org")

    html = client.get("/").get_data(as_text=True)

    items = _items(html)
    order = ["overdue", "asked", "returned", "soon", "later", "no_deadline", "waiting"]
    assert [link for link, _a, _t in items] == [f"/assignments/{world[k]}" for k in order]
    actions = [action for _l, action, _t in items]
    assert actions == [
        "report",
        "await_extension",
        "answer_return",
        "report",
        "start",
        "start",
        "await_confirmation",
    ]
    texts = dict(zip(order, [text for _l, _a, text in items], strict=True))
    assert "Hạn 20/06/2024 · quá hạn 11 ngày" in texts["overdue"]
    assert "Đề nghị gia hạn" in texts["overdue"]
    assert "Báo cáo hoàn thành" in texts["overdue"]
    assert "Đã đề nghị gia hạn: chờ quyết định" in texts["asked"]
    assert "Đề nghị gia hạn" not in texts["asked"].replace("Đã đề nghị gia hạn", "")
    assert "Bổ sung theo yêu cầu và báo cáo lại" in texts["returned"]
    assert "còn 2 ngày" in texts["soon"] and "Đề nghị gia hạn" in texts["soon"]
    assert "còn 183 ngày" in texts["later"] and "Đề nghị gia hạn" not in texts["later"]
    assert "Không hạn" in texts["no_deadline"]
    assert "Đã báo cáo: chờ xác nhận" in texts["waiting"]
    assert f'href="/assignments/{world["overdue"]}#report"' in html
    assert f'href="/assignments/{world["overdue"]}#ask-for-time"' in html
    assert f'href="/assignments/{world["later"]}#start"' in html
    # Nothing settled, nothing of another unit; no coordinator wording about units.
    assert f"/assignments/{world['done']}" not in html
    assert f"/assignments/{world['hue']}" not in html
    assert "đơn vị hoàn thành" not in html


def test_the_anchors_the_to_do_list_links_to_exist(client, login, world):
    login("hn@example.org")
    start = client.get(f"/assignments/{world['later']}").get_data(as_text=True)
    report = client.get(f"/assignments/{world['overdue']}").get_data(as_text=True)
    assert 'id="start"' in start
    assert 'id="report"' in report and 'id="ask-for-time"' in report


def test_the_to_do_list_costs_the_same_queries_however_long_it_is(
    client, login, world, build, query_counter
):
    login("hn@example.org")
    client.get("/")  # warm caches
    with query_counter() as few:
        client.get("/?fresh=1")

    def more(make):
        from tracker.models import Unit

        hanoi = db.session.get(Unit, world["unit"])
        for n in range(30):
            make.assignment(make.task(title=f"Việc {n}", deadline=D(2024, 9, 1)), hanoi)

    build(more)
    with query_counter() as many:
        html = client.get("/?fresh=2").get_data(as_text=True)
    assert len(many) == len(few)
    assert len(_items(html)) == 20
    assert "Tất cả 37 nhiệm vụ đang mở" in html


def test_coordinators_keep_the_programme_overview(client, login, world, build):
    from support.people import office

    build(lambda make: office(make, "coordinator"))
    login("dp@example.org")
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="todo"' not in html
    assert "Tổng quan chương trình" in html
