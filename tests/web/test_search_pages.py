"""The search box through HTTP: folded, literal, ranked, capped, and within what each role
may see."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from support.people import ADMIN, COORDINATOR
from support.search import DOC, HN_FOCAL, HUE_FOCAL, report_completion, search_world, section


@pytest.fixture
def world(build):
    return build(search_world)


@pytest.fixture
def login(client, login):
    """Sign in as another user, signing out whoever was signed in."""

    def switch(email: str):
        client.post("/logout")
        return login(email)

    return switch


def search(client, q: str, **args) -> str:
    answer = client.get("/search", query_string={"q": q, **args})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def task_links(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/tasks/(\d+)"', section(html, "tasks"))]


@pytest.mark.parametrize("typed", ["du lieu", "DU LIEU", "DỮ LIỆU", "  dữ   liệu "])
def test_data_is_found_however_it_is_typed_title_matches_first(client, login, world, typed):
    login(COORDINATOR)
    assert task_links(search(client, typed)) == [world["data"], world["report"]]


def test_a_focal_point_finds_only_tasks_given_to_their_unit(client, login, world):
    login(HN_FOCAL)
    assert task_links(search(client, "du lieu")) == [world["data"]]
    login(HUE_FOCAL)
    assert task_links(search(client, "du lieu")) == [world["data"], world["report"]]


def test_a_task_is_found_by_its_source_number_and_date(client, login, world):
    login(COORDINATOR)
    assert task_links(search(client, "09/ct-ttg")) == [world["data"]]
    assert task_links(search(client, "12/03/2024")) == [world["data"]]


@pytest.mark.parametrize(
    ("typed", "found", "not_found"),
    [("50%", "percent", "hundreds"), ("a_b", "underscore", "other")],
)
def test_wildcards_are_searched_as_typed(client, login, world, typed, found, not_found):
    login(COORDINATOR)
    links = task_links(search(client, typed))
    assert links == [world[found]] and world[not_found] not in links


def test_a_document_number_finds_every_units_evidence_for_a_coordinator(client, login, world):
    report_completion(client, login, world["hn_data"], HN_FOCAL)
    report_completion(client, login, world["hue_data"], HUE_FOCAL)
    login(COORDINATOR)
    docs = section(search(client, DOC.lower()), "evidence")
    assert f"/assignments/{world['hn_data']}#evidence-" in docs
    assert f"/assignments/{world['hue_data']}#evidence-" in docs
    assert "Thành phố Hà Nội" in docs and "Tỉnh Thừa Thiên Huế" in docs
    assert "Xây dựng cơ sở dữ liệu dân cư" in docs


def test_a_focal_point_finds_their_units_document_not_another_units_same_number(
    client, login, world
):
    report_completion(client, login, world["hn_data"], HN_FOCAL)
    report_completion(client, login, world["hue_data"], HUE_FOCAL)
    login(HN_FOCAL)
    docs = section(search(client, DOC), "evidence")
    assert f"/assignments/{world['hn_data']}#evidence-" in docs
    assert f"/assignments/{world['hue_data']}" not in docs and "Huế" not in docs
    linked = client.get(f"/assignments/{world['hn_data']}").get_data(as_text=True)
    assert re.search(r'id="evidence-\d+"', linked) and DOC in linked


def test_ha_noi_finds_the_city_for_whoever_may_see_it(client, login, world):
    login(COORDINATOR)
    assert f'href="/units/{world["hanoi"]}"' in section(search(client, "ha noi"), "units")
    login(HN_FOCAL)
    assert f'href="/units/{world["hanoi"]}"' in section(search(client, "HA NOI"), "units")
    login(HUE_FOCAL)
    html = search(client, "ha noi")
    assert section(html, "units") == "" and 'data-testid="no-results"' in html


def test_people_are_found_by_administrators_only(client, login, world):
    login(ADMIN)
    people = section(search(client, "nguyen thi lan"), "people")
    assert HN_FOCAL in people
    for email in (COORDINATOR, HN_FOCAL):
        login(email)
        html = search(client, "nguyen thi lan") + search(client, "lan", group="people")
        assert section(html, "people") == "" and HN_FOCAL not in html


def test_each_group_is_capped_and_more_leads_to_the_filtered_list(build, client, login, world):
    def many(make):
        from tracker.models import Task

        unit = make.unit(name="Tỉnh Thử Nghiệm")
        for n in range(12):
            task = make.task(title=f"Dữ liệu chuyên ngành {n}")
            make.assignment(task, unit)
        return Task

    build(many)
    login(COORDINATOR)
    html = search(client, "du lieu")
    assert len(task_links(html)) == 10
    more = re.search(r'data-testid="more-tasks" href="([^"]+)"', html).group(1)
    assert more.replace("&amp;", "&") == "/tasks/?q=" + quote("du lieu").replace("%20", "+")
    listed = client.get(more.replace("&amp;", "&")).get_data(as_text=True)
    assert "Dữ liệu chuyên ngành 11" in listed and "Báo cáo kết quả 6 tháng" in listed


def test_evidence_beyond_the_cap_is_paged_on_its_own(client, login, world, build):
    def documents(make):
        from tracker.extensions import db
        from tracker.models import Evidence

        for n in range(13):
            db.session.add(Evidence(assignment_id=world["hn_data"], doc_number=f"{n}/BC-UBND"))

    build(documents)
    login(COORDINATOR)
    html = search(client, "bc-ubnd")
    assert section(html, "evidence").count("#evidence-") == 10
    more = re.search(r'data-testid="more-evidence" href="([^"]+)"', html).group(1)
    assert "group=evidence" in more
    paged = client.get(more.replace("&amp;", "&")).get_data(as_text=True)
    assert "1–" in paged and "of 13" in paged


def test_a_too_short_query_asks_for_more(client, login, world):
    login(COORDINATOR)
    html = search(client, "đ")
    assert "Type at least 2 letters or digits." in html and section(html, "tasks") == ""


def test_every_page_has_a_labelled_search_box(client, login, world):
    login(HN_FOCAL)
    for page in ("/", "/tasks/", f"/units/{world['hanoi']}"):
        html = client.get(page).get_data(as_text=True)
        form = re.search(r'<form[^>]*data-testid="navbar-search".*?</form>', html, re.DOTALL)
        assert form and 'role="search"' in form.group(0) and 'action="/search"' in form.group(0)
        label = re.search(r'<label class="visually-hidden" for="navbar-search-q">([^<]+)<', html)
        assert label and label.group(1).strip() == "Search tasks, units and documents"
        assert 'id="navbar-search-q" name="q"' in html


def test_the_results_page_runs_the_same_queries_however_much_matches(
    build, client, login, world, query_counter
):
    login(ADMIN)
    search(client, "warm-up")

    def counted(q: str) -> int:
        with query_counter() as statements:
            search(client, q)
        return len(statements)

    few = counted("a_b")

    def many(make):
        from tracker.extensions import db
        from tracker.models import Evidence

        unit = make.unit(name="Tỉnh Mã Số")
        for n in range(15):
            task = make.task(title=f"Mã a_b số {n}")
            assignment = make.assignment(task, unit)
            db.session.add(Evidence(assignment_id=assignment.id, doc_number=f"{n}/a_b"))
            make.user("focal_point", name=f"Người a_b {n}", unit_id=unit.id)

    build(many)
    assert counted("a_b") == few


def test_the_search_box_and_results_speak_vietnamese(build, client, login, world):
    build(lambda make: make.user("coordinator", email="vi@example.org", language="vi"))
    login("vi@example.org")
    html = search(client, "du lieu")
    assert "Tìm kiếm nhiệm vụ, đơn vị và văn bản" in html
    assert "Kết quả tìm kiếm cho “du lieu”" in html
    assert "Không tìm thấy kết quả nào" in search(client, "khong co gi")
