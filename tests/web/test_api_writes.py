"""The API's management writes: coordinators create, change, close, reopen and assign
tasks; administrators create and change units and accounts; coordinators decide extensions
at the version they read. Each is checked as the pages' own: the audit log names the
token, the webhooks go out once, a stale ETag (412), bad input (422) or the wrong role
(403) changes nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from support.people import ADMIN, COORDINATOR, VIEWER, office
from support.units import hanoi_city, hue_province

from tracker import clock
from tracker.extensions import db
from tracker.models import (
    Assignment,
    EmailMessage,
    Event,
    ExtensionRequest,
    Task,
    Unit,
    User,
    WebhookDelivery,
)
from tracker.services import api_tokens, webhooks

FOCAL_POINT = "dm.hanoi@example.org"
DUE = date(2024, 7, 31)


@pytest.fixture
def world(build):
    def make_world(make):
        admin, coordinator, _viewer = office(make, "admin", "coordinator", "viewer")
        hanoi, hue = hanoi_city(make), hue_province(make)
        focal = make.user("focal_point", email=FOCAL_POINT, unit_id=hanoi.id)
        task = make.task(
            title="Ban hành kế hoạch dữ liệu mở", deadline=DUE, owner_id=coordinator.id
        )
        webhooks.create_endpoint(
            admin, url="http://127.0.0.1:9/hook", kinds=list(webhooks.TYPES), description="",
            now=clock.now(),
        )  # fmt: skip
        return {
            "hanoi": hanoi.id,
            "hue": hue.id,
            "task": task.id,
            "coordinator": coordinator.id,
            "admin": admin.id,
            "focal": focal.id,
            "ours": make.assignment(task, hanoi, state="in_progress").id,
        }

    return build(make_world)


def _token(app, email: str, scopes=("write",), name: str = "e-office") -> dict:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        secret = api_tokens.create(user, name=name, scopes=list(scopes), days=30, now=clock.now())
    return {"Authorization": f"Bearer {secret[1]}"}


def _sent(app, event_type: str) -> list[dict]:
    """The webhook events of ``event_type`` queued for delivery, in order."""
    with app.app_context():
        bodies = db.session.scalars(
            select(WebhookDelivery.body)
            .where(WebhookDelivery.event_type == event_type)
            .order_by(WebhookDelivery.id)
        )
        return [json.loads(body) for body in bodies]


def _audit(app, kind: str) -> list:
    """(task, unit, assignment, token name) of the audit events of ``kind``."""
    with app.app_context():
        rows = db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id))
        return [
            (e.task_id, e.unit_id, e.assignment_id, (e.data or {}).get("api_token")) for e in rows
        ]


def _tasks(app) -> dict:
    with app.app_context():
        return {t.id: (t.version, t.title, t.deadline, t.closed_at) for t in db.session.query(Task)}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


NEW_TASK = {
    "title": "Triển khai nền tảng định danh",
    "field": "government",
    "deadline_wording": "Quý III/2024",
    "source_document": "Kế hoạch chuyển đổi số năm 2024",
    "source_number": "01/KH-UBQGCĐS",
    "priority": True,
}


# ----------------------------------------------------------------------------- tasks


def test_a_coordinator_creates_a_task_once_and_other_systems_are_told(app, client, world):
    token = _token(app, COORDINATOR)
    key = {"Idempotency-Key": "0b7f1d2c-5a6e-4f3b-8c9d-1e2f3a4b5c6d"}
    made = client.post("/api/v1/tasks", json=NEW_TASK, headers=token | key)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    # The wording alone is read as the form reads it: the end of the quarter.
    assert (body["deadline"], body["deadline_wording"]) == ("2024-09-30", "Quý III/2024")
    assert body["owner_id"] == world["coordinator"] and body["priority"] is True
    assert made.headers["Location"].endswith(f"/api/v1/tasks/{body['id']}")
    assert made.headers["ETag"] == '"v1"'
    again = client.post("/api/v1/tasks", json=NEW_TASK, headers=token | key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == body["id"]

    assert _audit(app, "task_created") == [(body["id"], None, None, "e-office")]
    [event] = _sent(app, "task.created")
    assert event["data"]["task_id"] == body["id"] and event["data"]["deadline"] == "2024-09-30"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "ab\x00cd"}, "title"),
        ({"title": "   "}, "title"),
        ({"field": "cooking"}, "field"),
        ({"deadline": "2024-02-30"}, "deadline"),
        ({"deadline": "1999-12-31"}, "deadline"),
        ({"owner_id": 2147483648}, "owner_id"),
        ({"deadline_wording": "sớm nhất có thể"}, "deadline_wording"),
        ({"owner_id": 2147483647}, None),  # no such user: the service refuses it
    ],
)
def test_a_task_that_cannot_be_stored_is_refused_and_nothing_is_made(
    app, client, world, change, field
):
    token = _token(app, COORDINATOR) | {"Accept-Language": "en"}
    before = _tasks(app), _count(app, Event), _count(app, WebhookDelivery)
    answer = client.post(
        "/api/v1/tasks",
        json=NEW_TASK | change,
        headers=token,
    )
    assert answer.status_code == 422, answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert answer.get_json()["title"] == "Invalid input"
    if field is not None:
        assert field in answer.get_json()["errors"]["json"]
    assert (_tasks(app), _count(app, Event), _count(app, WebhookDelivery)) == before


def test_a_change_needs_the_tasks_current_etag(app, client, world):
    token = _token(app, COORDINATOR)
    path = f"/api/v1/tasks/{world['task']}"
    read = client.get(path, headers=token)
    tag = read.headers["ETag"]
    before = _tasks(app)

    assert client.patch(path, json={"title": "Mới"}, headers=token).status_code == 428
    changed = client.patch(
        path, json={"deadline": "2024-08-31", "priority": True}, headers=token | {"If-Match": tag}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["deadline"] == "2024-08-31"
    assert changed.get_json()["title"] == read.get_json()["title"]  # not sent: kept
    assert changed.headers["ETag"] != tag
    with app.app_context():  # the unit's due date followed the deadline, as from the page
        assert db.session.get(Assignment, world["ours"]).due_date == date(2024, 8, 31)

    stale = client.patch(
        path, json={"title": "Cũ"}, headers=token | {"If-Match": tag, "Accept-Language": "vi"}
    )
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    assert stale.get_json()["title"] != "Precondition failed"  # in Vietnamese
    after = _tasks(app)
    assert after[world["task"]][1] == before[world["task"]][1]  # the title never changed
    [event] = _sent(app, "task.changed")
    assert sorted(event["data"]["fields"]) == ["deadline", "priority"]
    assert event["data"]["moved_due_dates"] == 1
    assert _audit(app, "task_updated") == [(world["task"], None, None, "e-office")]
    # The due date moved with the deadline names the token too.
    assert _audit(app, "due_changed") == [
        (world["task"], world["hanoi"], world["ours"], "e-office")
    ]


def test_closing_and_reopening_a_task(app, client, world):
    token = _token(app, COORDINATOR)
    path = f"/api/v1/tasks/{world['task']}"
    tag = client.get(path, headers=token).headers["ETag"]
    closed = client.post(f"{path}/close", headers=token | {"If-Match": tag})
    assert closed.status_code == 200 and closed.get_json()["closed_at"] is not None
    assert client.post(f"{path}/close", headers=token).status_code == 409
    # A closed task is not changed nor assigned until reopened; a stale ETag is refused.
    assert (
        client.patch(path, json={"title": "x"}, headers=token | {"If-Match": "*"}).status_code
        == 409
    )
    assign = {"unit_ids": [world["hue"]]}
    assert client.post(f"{path}/assignments", json=assign, headers=token).status_code == 409
    assert client.post(f"{path}/reopen", headers=token | {"If-Match": tag}).status_code == 412
    reopened = client.post(f"{path}/reopen", headers=token | {"If-Match": closed.headers["ETag"]})
    assert reopened.status_code == 200 and reopened.get_json()["closed_at"] is None
    changes = [e["data"]["fields"] for e in _sent(app, "task.changed")]
    assert changes == [["closed_at"], ["closed_at"]]
    assert [t for *_, t in _audit(app, "task_closed") + _audit(app, "task_reopened")] == [
        "e-office",
        "e-office",
    ]


def test_assigning_a_task_previews_then_tells_each_new_unit_once(app, client, world):
    token = _token(app, COORDINATOR)
    path = f"/api/v1/tasks/{world['task']}/assignments"
    choice = {"groups": ["local"], "due_date": "2024-10-15", "role": "support"}
    preview = client.post(f"{path}/preview", json=choice, headers=token)
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert [u["id"] for u in body["new"]] == [world["hue"]]
    assert [u["id"] for u in body["existing"]] == [world["hanoi"]]
    assert body["due_date"] == "2024-10-15"
    assert _count(app, Assignment) == 1  # a preview changes nothing

    done = client.post(path, json=choice, headers=token)
    assert done.status_code == 201, done.get_json()
    assert (done.get_json()["created"], [u["id"] for u in done.get_json()["skipped"]]) == (
        1,
        [world["hanoi"]],
    )
    with app.app_context():
        row = db.session.scalar(select(Assignment).where(Assignment.unit_id == world["hue"]))
        assert (row.role, row.due_date) == ("support", date(2024, 10, 15))
    [event] = _sent(app, "assignment.assigned")
    assert (event["data"]["unit_id"], event["data"]["assignment_id"]) == (world["hue"], row.id)
    assert _audit(app, "assigned") == [(world["task"], world["hue"], row.id, "e-office")]
    # Everyone has it now: nothing to do is a conflict, and nothing is sent again.
    assert client.post(path, json=choice, headers=token).status_code == 409
    assert len(_sent(app, "assignment.assigned")) == 1


@pytest.mark.parametrize(
    "choice",
    [{}, {"groups": ["abroad"]}, {"unit_ids": [2147483647]}, {"unit_ids": [2147483648]}],
)
def test_an_assignment_to_no_known_unit_is_refused(app, client, world, choice):
    path = f"/api/v1/tasks/{world['task']}/assignments"
    answer = client.post(path, json=choice, headers=_token(app, COORDINATOR))
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    assert _count(app, Assignment) == 1


@pytest.mark.parametrize(
    ("who", "scopes"), [(FOCAL_POINT, ("write",)), (VIEWER, ("write",)), (COORDINATOR, ())]
)
def test_only_a_coordinators_write_token_manages_tasks(app, client, world, who, scopes):
    token = _token(app, who, scopes=scopes)
    path = f"/api/v1/tasks/{world['task']}"
    tag = client.get(path, headers=token).headers["ETag"]  # the focal point's unit has it
    before = _tasks(app), _count(app, Assignment), _count(app, Event)
    writes = [
        client.post("/api/v1/tasks", json=NEW_TASK, headers=token),
        client.patch(path, json={"title": "x"}, headers=token | {"If-Match": tag}),
        client.post(f"{path}/close", headers=token),
        client.post(f"{path}/assignments", json={"groups": ["local"]}, headers=token),
        client.post(f"{path}/assignments/preview", json={"groups": ["local"]}, headers=token),
    ]
    assert [w.status_code for w in writes] == [403] * 5
    assert (_tasks(app), _count(app, Assignment), _count(app, Event)) == before


# ----------------------------------------------------------------------------- units


def test_an_administrator_creates_and_changes_a_unit(app, client, world):
    admin = _token(app, ADMIN, scopes=("write", "admin"))
    made = client.post(
        "/api/v1/units",
        json={
            "code": "dn",
            "name": "Thành phố Đà Nẵng",
            "kind": "city",
            "head_email": "LD@danang.gov.vn",
        },
        headers=admin,
    )
    assert made.status_code == 201, made.get_json()
    unit = made.get_json()
    assert (unit["code"], unit["group"], unit["head_email"]) == ("DN", "local", "ld@danang.gov.vn")
    path = f"/api/v1/units/{unit['id']}"
    tag = client.get(path, headers=admin).headers["ETag"]
    assert tag == made.headers["ETag"]
    duplicate = client.post(
        "/api/v1/units", json={"code": "DN", "name": "Khác", "kind": "city"}, headers=admin
    )
    assert duplicate.status_code == 409

    assert client.patch(path, json={"name": "Đà Nẵng"}, headers=admin).status_code == 428
    changed = client.patch(
        path, json={"name": "TP Đà Nẵng", "active": False}, headers=admin | {"If-Match": tag}
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["name"], changed.get_json()["active"]) == ("TP Đà Nẵng", False)
    stale = client.patch(path, json={"name": "Cũ"}, headers=admin | {"If-Match": tag})
    assert stale.status_code == 412
    bad = client.patch(
        path, json={"valid_from": "2025-07-01", "valid_to": "2025-01-01"},
        headers=admin | {"If-Match": changed.headers["ETag"]},
    )  # fmt: skip
    assert bad.status_code == 422
    with app.app_context():
        row = db.session.get(Unit, unit["id"])
        assert (row.name, row.active, row.valid_from) == ("TP Đà Nẵng", False, None)
    kinds = [
        k for k in ("unit_created", "unit_updated", "unit_deactivated") for _ in _audit(app, k)
    ]
    assert kinds == ["unit_created", "unit_updated", "unit_deactivated"]
    assert {t for k in kinds for *_, t in _audit(app, k)} == {"e-office"}


@pytest.mark.parametrize(
    ("who", "scopes"),
    [(ADMIN, ("write",)), (COORDINATOR, ("write",)), (FOCAL_POINT, ("write",))],
)
def test_units_and_accounts_are_changed_by_administrators_with_the_permission(
    app, client, world, who, scopes
):
    token = _token(app, who, scopes=scopes)
    hanoi = f"/api/v1/units/{world['hanoi']}"
    tag = client.get(hanoi, headers=token).headers["ETag"]
    with app.app_context():
        before = db.session.get(Unit, world["hanoi"]).name, _count(app, Unit), _count(app, User)
    answers = [
        client.post(
            "/api/v1/units", json={"code": "X1", "name": "X", "kind": "other"}, headers=token
        ),
        client.patch(hanoi, json={"name": "X"}, headers=token | {"If-Match": tag}),
        client.get("/api/v1/users", headers=token),
        client.get(f"/api/v1/users/{world['focal']}", headers=token),
        client.post(
            "/api/v1/users",
            json={"email": "x@example.org", "name": "X", "role": "viewer"},
            headers=token,
        ),
        client.patch(
            f"/api/v1/users/{world['focal']}", json={"name": "X"}, headers=token | {"If-Match": "*"}
        ),
    ]
    assert [a.status_code for a in answers] == [403] * 6
    with app.app_context():
        after = db.session.get(Unit, world["hanoi"]).name, _count(app, Unit), _count(app, User)
    assert after == before


# ----------------------------------------------------------------------------- users


def test_an_administrator_manages_accounts_without_seeing_secrets(app, client, world):
    admin = _token(app, ADMIN, scopes=("write", "admin"))
    listed = client.get("/api/v1/users?limit=2", headers=admin)
    assert listed.status_code == 200 and 'rel="next"' in listed.headers["Link"]
    assert [u["id"] for u in listed.get_json()["items"]] == sorted(
        u["id"] for u in listed.get_json()["items"]
    )
    focal_points = client.get("/api/v1/users?role=focal_point", headers=admin).get_json()["items"]
    assert [u["id"] for u in focal_points] == [world["focal"]]
    for user in listed.get_json()["items"] + focal_points:
        assert not {"password_hash", "session_token", "secret"} & set(user)

    emails = _count(app, EmailMessage)
    made = client.post(
        "/api/v1/users",
        json={
            "email": "DM.Hue@Example.org",
            "name": "Đầu mối Huế",
            "role": "focal_point",
            "unit_id": world["hue"],
        },
        headers=admin,
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["email"] == "dm.hue@example.org"
    assert _count(app, EmailMessage) == emails + 1  # the link to choose a password
    again = client.post(
        "/api/v1/users",
        json={"email": "dm.hue@example.org", "name": "X", "role": "viewer"},
        headers=admin,
    )
    assert again.status_code == 409
    no_unit = client.post(
        "/api/v1/users",
        json={"email": "y@example.org", "name": "Y", "role": "focal_point"},
        headers=admin,
    )
    assert no_unit.status_code == 422

    path = f"/api/v1/users/{made.get_json()['id']}"
    tag = client.get(path, headers=admin).headers["ETag"]
    changed = client.patch(
        path, json={"role": "viewer", "unit_id": None}, headers=admin | {"If-Match": tag}
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["role"], changed.get_json()["unit_id"]) == ("viewer", None)
    assert (
        client.patch(path, json={"active": False}, headers=admin | {"If-Match": tag}).status_code
        == 412
    )
    with app.app_context():
        assert db.session.get(User, made.get_json()["id"]).active is True
    assert [t for *_, t in _audit(app, "user_created") + _audit(app, "user_updated")] == [
        "e-office",
        "e-office",
    ]


def test_an_administrator_cannot_deactivate_their_own_account_half_way(app, client, world):
    admin = _token(app, ADMIN, scopes=("write", "admin"))
    path = f"/api/v1/users/{world['admin']}"
    tag = client.get(path, headers=admin).headers["ETag"]
    answer = client.patch(
        path, json={"name": "Tên mới", "active": False}, headers=admin | {"If-Match": tag}
    )
    assert answer.status_code == 409
    with app.app_context():
        row = db.session.get(User, world["admin"])
        assert (row.active, row.name) == (True, client.get(path, headers=admin).get_json()["name"])
        assert row.name != "Tên mới"


# ----------------------------------------------------------------------- extension decisions


def test_a_decision_on_a_request_read_before_the_assignment_changed_is_stale(app, client, world):
    focal, coordinator = _token(app, FOCAL_POINT), _token(app, COORDINATOR)
    asked = client.post(
        f"/api/v1/assignments/{world['ours']}/extensions",
        json={"due_date": "2024-09-30", "reason": "Chờ số liệu"},
        headers=focal,
    ).get_json()
    path = f"/api/v1/extensions/{asked['id']}"
    tag = client.get(path, headers=coordinator).headers["ETag"]
    # Meanwhile someone moves the due date.
    assignment = client.get(f"/api/v1/assignments/{world['ours']}", headers=coordinator)
    moved = client.post(
        f"/api/v1/assignments/{world['ours']}/due-date",
        json={"due_date": "2024-08-15", "reason": "Lùi"},
        headers=coordinator | {"If-Match": assignment.headers["ETag"]},
    )
    assert moved.status_code == 200
    assert client.post(f"{path}/approve", json={}, headers=coordinator).status_code == 428
    for action, body in (("approve", {}), ("reject", {"reason": "Không"})):
        stale = client.post(f"{path}/{action}", json=body, headers=coordinator | {"If-Match": tag})
        assert stale.status_code == 412, action
    with app.app_context():
        request = db.session.get(ExtensionRequest, asked["id"])
        assert (request.state, request.decided_at) == ("pending", None)
        assert db.session.get(Assignment, world["ours"]).due_date == date(2024, 8, 15)
    assert _sent(app, "extension.decided") == []
    fresh = client.get(path, headers=coordinator).headers["ETag"]
    approved = client.post(f"{path}/approve", json={}, headers=coordinator | {"If-Match": fresh})
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"


@pytest.mark.parametrize(
    ("language", "required", "too_long", "outside"),
    [
        ("vi", "Trường này là bắt buộc.", "Từ 1 đến 500 ký tự.", "Phải từ 1 và tối đa 200."),
        ("en", "This field is required.", "Between 1 and 500 characters.", "Must be at least 1"),
    ],
)
def test_the_messages_per_parameter_speak_the_client_s_language(
    app, client, world, language, required, too_long, outside
):
    headers = _token(app, COORDINATOR) | {"Accept-Language": language}
    missing = client.post("/api/v1/tasks", json={"title": "Kế hoạch"}, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["json"]["field"] == [required]
    long = client.post(
        "/api/v1/tasks", json={"title": "x" * 501, "field": "government"}, headers=headers
    )
    assert too_long in long.get_json()["errors"]["json"]["title"]
    paged = client.get("/api/v1/assignments?limit=0", headers=headers)
    assert paged.status_code == 422
    assert paged.get_json()["errors"]["query"]["limit"][0].startswith(outside)
