"""The read-only pages through HTTP: who sees what, in Vietnamese, in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import date

import pytest
from support.people import office
from support.units import hanoi_hue_and_health_ministry


@pytest.fixture
def world(build):
    """Two provinces and a ministry, two tasks, a coordinator, a viewer and focal points."""
    return build(_world)


def _world(make):
    hanoi, hue, ministry = hanoi_hue_and_health_ministry(make)
    # Due Sunday 30/06 and kept on that date, so that 01/07 is a day late (the default rule
    # would end it on Monday 01/07: tests/integration/test_days_off_demo.py).
    catalogue = make.task(
        title="Ban hành danh mục CSDL dùng chung",
        deadline=date(2024, 6, 30),
        deadline_day_off_rolls=False,
    )
    plan = make.task(title="Kế hoạch kiểm tra, giám sát", deadline=date(2024, 7, 19))
    make.assignment(catalogue, hanoi, state="completed", submitted_on=date(2024, 6, 1))
    make.assignment(catalogue, hue, state="in_progress")
    make.assignment(catalogue, ministry, state="completed", submitted_on=date(2024, 7, 1))
    make.assignment(plan, hanoi, state="submitted", submitted_on=date(2024, 6, 20))
    make.assignment(plan, ministry)
    office(make, "coordinator", "viewer")
    make.user("focal_point", email="hn@example.org", unit_id=hanoi.id)
    make.user("focal_point", email="hue@example.org", unit_id=hue.id)
    return {
        "units": tuple(u.id for u in (hanoi, hue, ministry)),
        "tasks": (catalogue.id, plan.id),
    }


def test_every_page_requires_sign_in(client, world):
    task = world["tasks"][0]
    unit = world["units"][0]
    for url in ("/", "/tasks/", f"/tasks/{task}", "/units/", f"/units/{unit}"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused_with_a_vietnamese_message(client, world):
    response = client.post(
        "/login", data={"email": "dp@example.org", "password": "nope"}, follow_redirects=True
    )
    assert "Sai email hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_sign_in_ignores_an_offsite_next_url(client, world):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "dp@example.org", "password": "secret-pass"},
    )
    assert response.headers["Location"] == "/"


def test_coordinator_dashboard_shows_official_buckets_in_vietnamese(client, login, world):
    login("dp@example.org")
    html = client.get("/").get_data(as_text=True)
    assert "Hoàn thành đúng hạn" in html
    assert "Hoàn thành quá hạn" in html
    assert "Chờ xác nhận" in html
    assert "Tỉnh Thừa Thiên Huế" in html  # overdue since 01/07/2024
    assert "01/07/2024" in html


def test_task_page_splits_progress_by_group_and_names_missing_units(client, login, world):
    login("dp@example.org")
    catalogue = world["tasks"][0]
    html = client.get(f"/tasks/{catalogue}").get_data(as_text=True)
    assert "1 bộ, ngành và 1/2 địa phương đã hoàn thành" in html
    assert "Tỉnh Thừa Thiên Huế" in html
    assert "Quá hạn · 1 ngày" in html
    assert "30/06/2024" in html


def test_task_page_lists_each_unit_once_with_a_filter_per_status(client, login, world):
    login("dp@example.org")
    plan = world["tasks"][1]  # Hà Nội has submitted it, the ministry has not started
    html = client.get(f"/tasks/{plan}").get_data(as_text=True)

    pills = html.split('data-testid="status-pills"', 1)[1].split("</ul>", 1)[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pills))
    assert "Tất cả đơn vị 2 " in text and "Chưa hoàn thành 2 " in text
    assert "Chờ xác nhận 1 " in text and "Đã hoàn thành 0 " in text
    assert f'href="/tasks/{plan}?status=open#assignments"' in pills
    assert 'aria-current="page"' in pills.split("Chưa hoàn thành")[0]  # "all" is chosen
    # One table: each unit once, the ministry (not started) removable from its row.
    assert html.count(">Bộ Y tế</a>") == 1 and html.count(">Thành phố Hà Nội</a>") == 1
    assert html.count('data-testid="remove-assignment"') == 1
    assert "Đơn vị được giao" in html and "Giao nhiệm vụ cho đơn vị" in html

    filtered = client.get(f"/tasks/{plan}?status=awaiting").get_data(as_text=True)
    assert ">Thành phố Hà Nội</a>" in filtered and ">Bộ Y tế</a>" not in filtered


def test_focal_point_sees_only_their_unit(client, login, world):
    hanoi, hue, ministry = world["units"]
    catalogue, _plan = world["tasks"]
    login("hue@example.org")
    assert client.get(f"/units/{hanoi}").status_code == 404
    assert client.get(f"/units/{ministry}").status_code == 404
    assert client.get("/units/").headers["Location"].endswith(f"/units/{hue}")
    task_page = client.get(f"/tasks/{catalogue}").get_data(as_text=True)
    assert "Tỉnh Thừa Thiên Huế" in task_page
    assert "Thành phố Hà Nội" not in task_page and "Bộ Y tế" not in task_page
    # The plan was not assigned to Huế: it does not exist for them.
    assert client.get(f"/tasks/{world['tasks'][1]}").status_code == 404
    listing = client.get("/tasks/").get_data(as_text=True)
    assert "Kế hoạch kiểm tra" not in listing and "danh mục CSDL" in listing
    dashboard = client.get("/").get_data(as_text=True)
    assert "Thành phố Hà Nội" not in dashboard


def test_viewer_reads_every_unit(client, login, world):
    login("ld@example.org")
    assert client.get("/units/").status_code == 200
    for unit in world["units"]:
        assert client.get(f"/units/{unit}").status_code == 200


def test_language_switch_persists_on_the_account(client, login, world):
    login("dp@example.org")
    client.post("/language/en", data={"next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert "Completed on time" in html and "Hoàn thành đúng hạn" not in html
    client.post("/logout")
    login("dp@example.org")
    assert "Completed on time" in client.get("/").get_data(as_text=True)


def test_task_filters_reject_a_bad_date_with_a_message(client, login, world):
    login("dp@example.org")
    html = client.get("/tasks/?deadline_from=31/02/2024").get_data(as_text=True)
    assert "không phải là ngày" in html
    html = client.get("/tasks/?status=overdue").get_data(as_text=True)
    assert "danh mục CSDL" in html and "Kế hoạch kiểm tra" not in html


def test_pages_send_security_headers(client, world):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_are_kept_by_no_cache_and_static_assets_are(client, login, world):
    assert "no-store" not in (client.get("/login").headers.get("Cache-Control") or "")
    login("dp@example.org")
    for url in ("/", "/tasks/", f"/tasks/{world['tasks'][0]}", "/account"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    css = client.get("/static/app.css")
    assert css.status_code == 200
    assert "no-store" not in (css.headers.get("Cache-Control") or "")


def _grow(make, units: int, tasks: int) -> list[int]:
    """Add ``units`` provinces and ``tasks`` tasks, each assigned to every new unit."""
    created_units = [make.unit() for _ in range(units)]
    for n in range(tasks):
        task = make.task(deadline=date(2024, 6, 1 + n % 28))
        for i, unit in enumerate(created_units):
            state = ("assigned", "in_progress", "submitted", "completed")[i % 4]
            make.assignment(task, unit, state=state, submitted_on=date(2024, 6, 15))
    return [u.id for u in created_units]


@pytest.mark.parametrize("role", ["coordinator", "focal_point", "viewer"])
def test_page_query_counts_do_not_grow_with_the_data(build, client, login, query_counter, role):
    first_units = build(lambda make: _grow(make, units=3, tasks=2))
    task_id = build(lambda make: make.task(title="Shared").id)
    build(lambda make: make.user(role, email="who@example.org", unit_id=first_units[0]))
    login("who@example.org")
    urls = ["/", "/tasks/", f"/tasks/{task_id}", f"/units/{first_units[0]}"]
    if role != "focal_point":
        urls.append("/units/")

    def measure():
        counts = {}
        for url in urls:
            with query_counter() as statements:
                response = client.get(url)
            assert response.status_code in (200, 404), url
            counts[url] = len(statements)
        return counts

    small = measure()
    build(lambda make: _grow(make, units=30, tasks=12))
    large = measure()
    assert small == large
    assert max(large.values()) <= 12, large


def test_unit_search_ignores_diacritics_and_lists_in_vietnamese_order(client, login, world):
    login("dp@example.org")
    html = client.get("/units/?q=thua thien").get_data(as_text=True)
    assert "Tỉnh Thừa Thiên Huế" in html and "Thành phố Hà Nội" not in html
    listing = client.get("/units/?group=local").get_data(as_text=True)
    assert listing.index("Thành phố Hà Nội") < listing.index("Tỉnh Thừa Thiên Huế")


def test_deadline_filters_take_vietnamese_dates(client, login, world):
    login("dp@example.org")
    html = client.get("/tasks/?deadline_from=01/07/2024").get_data(as_text=True)
    assert "Kế hoạch kiểm tra" in html and "danh mục CSDL" not in html
    assert 'value="01/07/2024"' in html


def test_focal_point_task_list_shows_their_own_status(client, login, world):
    login("hue@example.org")
    html = client.get("/tasks/").get_data(as_text=True)
    assert "Trạng thái của đơn vị" in html
    assert "Quá hạn · 1 ngày" in html
    assert "đơn vị đã hoàn thành" not in html


def test_every_page_names_the_favicon_and_it_is_served(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg")
