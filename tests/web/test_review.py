"""The coordinators' review queue through HTTP: confirm, return, bulk, extension decisions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from support.people import office
from support.units import hanoi_hue_and_health_ministry

from tracker.extensions import db
from tracker.models import Assignment, Evidence, ExtensionRequest


@pytest.fixture
def world(build):
    return build(_world)


def _world(make):
    hanoi, hue, health = hanoi_hue_and_health_ministry(make)
    # Due Sunday 30/06 and kept on that date, so that a report on 01/07 is a day late.
    plan = make.task(
        title="Kế hoạch CĐS 2024", deadline=date(2024, 6, 30), deadline_day_off_rolls=False
    )
    data = make.task(
        title="Danh mục CSDL", deadline=date(2024, 6, 30), deadline_day_off_rolls=False
    )
    late = make.assignment(plan, hanoi, state="submitted", submitted_on=date(2024, 7, 1))
    early = make.assignment(plan, health, state="submitted", submitted_on=date(2024, 6, 10))
    working = make.assignment(plan, hue, state="in_progress")
    other_task = make.assignment(data, hue, state="submitted", submitted_on=date(2024, 6, 20))
    db.session.add(Evidence(assignment_id=late.id, doc_number="88/KH-UBND", summary="Kế hoạch HN"))
    coordinator, _viewer = office(make, "coordinator", "viewer", language="en")
    focal = make.user("focal_point", email="hue@example.org", unit_id=hue.id, language="en")
    request = ExtensionRequest(
        assignment_id=working.id,
        requested_by_id=focal.id,
        requested_at=datetime(2024, 6, 25, 2, tzinfo=UTC),
        current_due=date(2024, 6, 30),
        requested_due=date(2024, 8, 31),
        reason="Chờ kinh phí",
    )
    db.session.add(request)
    db.session.flush()
    assert coordinator.id
    return {
        "late": late.id,
        "early": early.id,
        "working": working.id,
        "other_task": other_task.id,
        "plan": plan.id,
        "request": request.id,
    }


def _get(app, model, id_):
    with app.app_context():
        row = db.session.get(model, id_)
        db.session.expunge(row)
        return row


def test_queue_lists_only_submitted_reports_oldest_first(client, login, world):
    login("dp@example.org")
    html = client.get("/review/").get_data(as_text=True)
    assert "Tỉnh Thừa Thiên Huế" in html  # the other task's report
    assert (
        html.index("Bộ Y tế") < html.index("Tỉnh Thừa Thiên Huế") < html.index("Thành phố Hà Nội")
    )
    assert len(re.findall('data-testid="queue-row"', html)) == 3
    assert "88/KH-UBND" in html and "Kế hoạch HN" in html
    assert "Overdue · 1 day" in html  # reported after the due date: would count as late
    filtered = client.get(f"/review/?task={world['plan']}&group=local").get_data(as_text=True)
    assert len(re.findall('data-testid="queue-row"', filtered)) == 1
    assert "Thành phố Hà Nội" in filtered


@pytest.mark.parametrize("email", ["hue@example.org", "ld@example.org"])
def test_review_is_for_coordinators_only(app, client, login, world, email):
    login(email)
    assert client.get("/review/").status_code == 403
    assert client.get("/review/extensions").status_code == 403
    forged = {"selected": [f"{world['late']}:1", f"{world['other_task']}:1"]}
    forged["confirm_selected"] = "1"
    assert client.post("/review/confirm", data=forged).status_code == 403
    request_id = world["request"]
    assert client.post(f"/review/extensions/{request_id}/approve", data={}).status_code == 403
    response = client.post(f"/review/extensions/{request_id}/reject", data={"reason": "x"})
    assert response.status_code == 403
    assert _get(app, Assignment, world["late"]).state == "submitted"
    assert _get(app, Assignment, world["other_task"]).state == "submitted"
    assert _get(app, ExtensionRequest, request_id).state == "pending"


def test_bulk_confirm_confirms_selected_and_reports_the_changed_ones(app, client, login, world):
    login("dp@example.org")
    data = {
        "selected": [f"{world['late']}:1", f"{world['early']}:1", f"{world['working']}:1"],
        "confirm_selected": "1",
    }
    html = client.post("/review/confirm", data=data, follow_redirects=True).get_data(as_text=True)
    assert "2 reports were confirmed." in html
    assert "1 report was not confirmed" in html
    late, early = _get(app, Assignment, world["late"]), _get(app, Assignment, world["early"])
    assert late.state == early.state == "completed"
    assert _get(app, Assignment, world["working"]).state == "in_progress"
    assert _get(app, Assignment, world["other_task"]).state == "submitted"


def test_bulk_confirm_skips_a_report_changed_since_the_page_was_loaded(app, client, login, world):
    login("dp@example.org")
    html = client.get("/review/").get_data(as_text=True)
    shown = re.findall(r'name="shown" value="([\d:]+)"', html)
    assert len(shown) == 3
    # The unit's report is returned and submitted again meanwhile (version 1 -> 3).
    client.post(f"/assignments/{world['late']}/return", data={"version": "1", "reason": "Sửa"})
    with app.app_context():
        a = db.session.get(Assignment, world["late"])
        a.state, a.submitted_on = "submitted", date(2024, 7, 2)
        db.session.commit()
    response = client.post(
        "/review/confirm", data={"shown": shown, "confirm_all": "1"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "2 reports were confirmed." in html and "1 report was not confirmed" in html
    assert _get(app, Assignment, world["late"]).state == "submitted"
    assert _get(app, Assignment, world["other_task"]).state == "completed"


@pytest.mark.parametrize(
    "data",
    [{"confirm_selected": "1"}, {"selected": ["12;x"], "confirm_selected": "1"}],
)
def test_bulk_confirm_with_nothing_or_garbage_selected_changes_nothing(
    app, client, login, world, data
):
    login("dp@example.org")
    response = client.post("/review/confirm", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Select at least one report" in html or "could not be read" in html
    assert _get(app, Assignment, world["late"]).state == "submitted"


def test_confirming_from_the_queue_returns_to_the_queue(app, client, login, world):
    login("dp@example.org")
    response = client.post(
        f"/assignments/{world['late']}/confirm",
        data={"version": "1", "next": "/review/?group=local"},
    )
    assert response.headers["Location"] == "/review/?group=local"
    late = _get(app, Assignment, world["late"])
    assert late.state == "completed" and late.submitted_on == date(2024, 7, 1)
    page = client.get(f"/assignments/{world['late']}").get_data(as_text=True)
    assert "Completed late · 1 day" in page
    offsite = client.post(
        f"/assignments/{world['early']}/confirm",
        data={"version": "1", "next": "https://evil.example/"},
    )
    assert offsite.headers["Location"] == f"/assignments/{world['early']}"


def test_approving_an_extension_moves_the_due_date(app, client, login, world):
    login("dp@example.org")
    html = client.get("/review/extensions").get_data(as_text=True)
    assert "Chờ kinh phí" in html and "From 30/06/2024 to 31/08/2024" in html
    response = client.post(
        f"/review/extensions/{world['request']}/approve",
        data={"note": "Đồng ý"},
        follow_redirects=True,
    )
    assert "The extension was approved" in response.get_data(as_text=True)
    working = _get(app, Assignment, world["working"])
    assert (working.due_date, working.original_due_date) == (date(2024, 8, 31), date(2024, 6, 30))
    again = client.post(f"/review/extensions/{world['request']}/approve", follow_redirects=True)
    assert "already been decided" in again.get_data(as_text=True)


def test_refusing_an_extension_needs_a_reason_the_unit_then_sees(app, client, login, world):
    login("dp@example.org")
    url = f"/review/extensions/{world['request']}/reject"
    response = client.post(url, data={"reason": "  "})
    assert response.status_code == 422
    assert "Say why the extension is refused" in response.get_data(as_text=True)
    assert _get(app, ExtensionRequest, world["request"]).state == "pending"
    # From the assignment page, a refused form is shown again there.
    from_page = client.post(url, data={"reason": "", "assignment": str(world["working"])})
    assert from_page.status_code == 422 and "Chờ kinh phí" in from_page.get_data(as_text=True)
    client.post(url, data={"reason": "Không có căn cứ gia hạn"})
    client.post("/logout")
    login("hue@example.org")
    html = client.get(f"/assignments/{world['working']}").get_data(as_text=True)
    assert "Extension refused" in html and "Không có căn cứ gia hạn" in html
    assert _get(app, Assignment, world["working"]).due_date == date(2024, 6, 30)


def _grow(make, n: int) -> None:
    from tracker.models import User

    focal = db.session.scalar(select(User).where(User.email == "hue@example.org"))
    for i in range(n):
        unit = make.unit()
        task = make.task(deadline=date(2024, 6, 30))
        a = make.assignment(task, unit, state="submitted", submitted_on=date(2024, 6, 1 + i % 28))
        doc = Evidence(assignment_id=a.id, doc_number=f"{i}/BC", uploaded_by_id=focal.id)
        db.session.add(doc)
        working = make.assignment(task, make.unit(), state="in_progress")
        db.session.add(
            ExtensionRequest(
                assignment_id=working.id,
                requested_by_id=make.user("focal_point", unit_id=working.unit_id).id,
                requested_at=datetime(2024, 6, 20, tzinfo=UTC),
                current_due=date(2024, 6, 30),
                requested_due=date(2024, 9, 30),
                reason="r",
            )
        )


@pytest.mark.parametrize("url", ["/review/", "/review/extensions"])
def test_review_query_counts_do_not_grow_with_the_data(
    build, client, login, query_counter, world, url
):
    login("dp@example.org")
    build(lambda make: _grow(make, 2))
    with query_counter() as small:
        assert client.get(url).status_code == 200
    build(lambda make: _grow(make, 25))
    with query_counter() as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large) <= 10, (len(small), len(large))
