"""The assignment page through HTTP: reporting with evidence, who reaches what, stale edits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from support.assignments import assignment_world
from support.assignments import counts as _counts
from support.assignments import state as _state
from support.assignments import version as _version

from tracker.extensions import db
from tracker.models import (
    Assignment,
    Event,
    Evidence,
    EvidenceFile,
    ExtensionRequest,
    User,
)


@pytest.fixture
def world(build):
    return build(assignment_world)


def test_focal_point_sees_the_page_with_their_actions(client, login, world):
    login("hn@example.org")
    html = client.get(f"/assignments/{world['ours']}").get_data(as_text=True)
    assert "Ban hành kế hoạch CĐS" in html and "Thành phố Hà Nội" in html
    assert "05/07/2024" in html and "KH 2024" in html
    assert "Start work" in html and "Report completion" in html and "Ask for more time" in html
    assert "Confirm completion" not in html


def test_unit_page_and_dashboard_link_to_the_assignment_page(client, login, world):
    login("dp@example.org")
    html = client.get("/").get_data(as_text=True)
    assert f'href="/assignments/{world["theirs"]}"' in html
    login("hn@example.org")
    with client.application.app_context():
        unit_id = db.session.get(Assignment, world["ours"]).unit_id
    html = client.get(f"/units/{unit_id}").get_data(as_text=True)
    assert f'href="/assignments/{world["ours"]}"' in html


def test_a_report_without_number_or_file_is_refused_by_the_form(app, client, login, world):
    login("hn@example.org")
    response = client.post(
        f"/assignments/{world['ours']}/submit",
        data={"version": "1", "doc_date": "31/02/2024"},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "number or attach at least one file" in html
    assert "is not a real date" in html
    assert _state(app, world["ours"]) == "assigned"


def test_another_units_focal_point_reaches_nothing_by_url(app, client, login, world):
    login("hue@example.org")
    ours = world["ours"]
    before = _counts(app)
    assert client.get(f"/assignments/{ours}").status_code == 404
    posts = {
        "start": {"version": "1"},
        "notes": {"note": "x"},
        "submit": {"version": "1", "doc_number": "1/X"},
        "extension": {"new_due": "30/09/2024", "reason": "x"},
        "confirm": {"version": "1"},
        "return": {"version": "1", "reason": "x"},
        "not-applicable": {"version": "1", "reason": "x"},
        "reopen": {"version": "1", "reason": "x"},
        "due-date": {"version": "1", "new_due": "30/09/2024", "reason": "x"},
    }
    for action, data in posts.items():
        response = client.post(f"/assignments/{ours}/{action}", data=data)
        assert response.status_code in (403, 404), action
        assert "Thành phố Hà Nội" not in response.get_data(as_text=True), action
    assert _counts(app) == before and _state(app, ours) == "assigned"


def test_viewer_reads_but_cannot_act(app, client, login, world):
    login("ld@example.org")
    html = client.get(f"/assignments/{world['theirs']}").get_data(as_text=True)
    assert "9/BC-UBND" in html and "can read this assignment but not change it" in html
    assert 'name="version"' not in html
    for action in ("start", "submit", "confirm", "return", "extension", "due-date"):
        response = client.post(f"/assignments/{world['theirs']}/{action}", data={"version": "1"})
        assert response.status_code == 403, action
    assert (
        client.post(f"/assignments/{world['theirs']}/notes", data={"note": "x"}).status_code == 403
    )
    assert _state(app, world["theirs"]) == "submitted"


def test_a_stale_edit_is_refused_and_both_users_see_the_latest_data(app, login, world):
    coordinator, focal = app.test_client(), app.test_client()
    for who, c in (("dp@example.org", coordinator), ("hn@example.org", focal)):
        c.post("/login", data={"email": who, "password": "secret-pass"})
    url = f"/assignments/{world['ours']}"
    coordinator_page = coordinator.get(url).get_data(as_text=True)
    focal_page = focal.get(url).get_data(as_text=True)
    assert _version(coordinator_page) == _version(focal_page) == "1"

    response = focal.post(
        f"{url}/submit",
        data={"version": "1", "doc_number": "77/KH-UBND"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Awaiting confirmation" in response.get_data(as_text=True)

    response = coordinator.post(
        f"{url}/not-applicable",
        data={"version": "1", "reason": "Không áp dụng"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Someone else changed this assignment" in html
    assert "77/KH-UBND" in html and "Awaiting confirmation" in html  # B's change, shown to A
    assert _version(html) == "2"
    assert _state(app, world["ours"]) == "submitted"
    focal_html = focal.get(url).get_data(as_text=True)
    assert "Awaiting confirmation" in focal_html and "Not applicable" not in focal_html


def test_a_returned_report_shows_the_reason_to_the_focal_point(app, client, login, world):
    login("dp@example.org")
    url = f"/assignments/{world['theirs']}"
    response = client.post(f"{url}/return", data={"version": "1", "reason": " "})
    assert response.status_code == 422
    assert "Say why the report is returned" in response.get_data(as_text=True)
    assert _state(app, world["theirs"]) == "submitted"
    client.post(f"{url}/return", data={"version": "1", "reason": "Thiếu phụ lục số liệu"})
    client.post("/logout")
    login("hue@example.org")
    html = client.get(url).get_data(as_text=True)
    assert "Returned for rework" in html and "Thiếu phụ lục số liệu" in html
    assert 'data-testid="return-reason"' in html and "Report completion" in html


def test_focal_point_starts_adds_a_note_and_asks_for_more_time(app, client, login, world):
    login("hn@example.org")
    url = f"/assignments/{world['ours']}"
    client.post(f"{url}/start", data={"version": "1"})
    client.post(f"{url}/notes", data={"note": "Đang lấy ý kiến các sở"})
    bad = client.post(f"{url}/extension", data={"new_due": "sometime", "reason": "x"})
    assert bad.status_code == 422 and "not a deadline this system can read" in bad.get_data(
        as_text=True
    )
    response = client.post(
        f"{url}/extension",
        data={"new_due": "Quý III/2024", "reason": "Chờ hướng dẫn của Bộ"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "extension request was sent" in html
    assert "30/09/2024" in html and "Chờ hướng dẫn của Bộ" in html
    assert "Work started" in html and "Đang lấy ý kiến các sở" in html
    assert "Ask for more time" not in html  # one pending request at a time
    assert _state(app, world["ours"]) == "in_progress"


def test_coordinator_changes_the_due_date_and_the_original_stays_visible(client, login, world):
    login("dp@example.org")
    url = f"/assignments/{world['ours']}"
    response = client.post(
        f"{url}/due-date",
        data={"version": "1", "new_due": "15/08/2024", "reason": "Theo Công văn 12"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "The due date was changed" in html
    assert "15/08/2024" in html and "originally 05/07/2024" in html
    assert "Due date changed" in html and "05/07/2024 → 15/08/2024" in html


def _history(make, assignment_id: int, actor_email: str, n: int) -> None:
    """Add ``n`` notes, evidence documents with a file, and decided requests, by new users."""
    actor = db.session.scalar(select(User).where(User.email == actor_email))
    a = db.session.get(Assignment, assignment_id)
    for i in range(n):
        other = make.user("coordinator")
        at = datetime(2024, 6, 1, i % 24, tzinfo=UTC)
        who = other if i % 2 else actor
        db.session.add(
            Event(
                assignment=a,
                task_id=a.task_id,
                unit_id=a.unit_id,
                actor_id=who.id,
                at=at,
                kind="note",
                note=f"n{i}",
            )
        )
        doc = Evidence(assignment_id=a.id, doc_number=f"{i}/BC", uploaded_by_id=other.id)
        doc.files.append(
            EvidenceFile(
                filename=f"{i}.pdf",
                stored_name=f"{assignment_id}x{n}x{i}",
                content_type="application/pdf",
                size=1,
                sha256="0",
            )
        )
        db.session.add(doc)
        db.session.add(
            ExtensionRequest(
                assignment_id=a.id,
                requested_by_id=actor.id,
                requested_at=at,
                requested_due=date(2024, 9, 1),
                reason="r",
                state="rejected",
                decided_by_id=other.id,
            )
        )


@pytest.mark.parametrize("email", ["dp@example.org", "hue@example.org"])
def test_assignment_page_query_count_does_not_grow_with_its_history(
    build, client, login, query_counter, world, email
):
    login(email)
    url = f"/assignments/{world['theirs']}"
    build(lambda make: _history(make, world["theirs"], "hue@example.org", 2))
    with query_counter() as small:
        assert client.get(url).status_code == 200
    build(lambda make: _history(make, world["theirs"], "hue@example.org", 15))
    with query_counter() as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large) <= 10, (len(small), len(large))


def test_every_form_carries_a_csrf_token_and_posts_without_one_are_refused(
    app, client, login, world
):
    login("dp@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/assignments/{world['theirs']}"
    html = client.get(url).get_data(as_text=True)
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    assert len(forms) >= 5
    assert all('name="csrf_token"' in form for form in forms)
    assert client.post(f"{url}/confirm", data={"version": "1"}).status_code == 400
    assert _state(app, world["theirs"]) == "submitted"
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"{url}/confirm", data={"version": "1", "csrf_token": token})
    assert response.status_code == 302
    assert _state(app, world["theirs"]) == "completed"
