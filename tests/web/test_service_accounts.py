"""Service accounts: an administrator makes one for another system with a role (and a
focal point's unit), gives it tokens shown once, switches it off; it acts through the API
with its role's rules, signs in to no page, and nobody writes to it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from support.people import office
from support.units import hanoi_city, lao_cai_province

from tracker import clock
from tracker.extensions import db
from tracker.models import ApiToken, Event, Notification, User
from tracker.services import units as unit_service
from tracker.services.notifications import kinds
from tracker.services.notifications.recording import Happening, notify
from tracker.services.reminders import sources

HUMAN = "dm.laocai@example.org"


@pytest.fixture
def world(build):
    def make_world(make):
        office(make, "admin", "coordinator")
        lao_cai, hanoi = lao_cai_province(make), hanoi_city(make)
        make.user("focal_point", email=HUMAN, unit_id=lao_cai.id)
        task = make.task(title="Kế hoạch chuyển đổi số")
        mine = make.assignment(task, lao_cai)
        theirs = make.assignment(task, hanoi)
        return {"unit": lao_cai.id, "other": hanoi.id, "task": task.id, "mine": mine.id,
                "theirs": theirs.id}  # fmt: skip

    return build(make_world)


def _make_account(client, world, **fields):
    data = {"name": "Hệ thống báo cáo tỉnh Lào Cai", "role": "focal_point",
            "unit_id": str(world["unit"])} | fields  # fmt: skip
    return client.post("/admin/service-accounts", data=data)


def _account_id(answer) -> int:
    return int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _token(client, account_id: int, **fields) -> str:
    made = client.post(
        f"/admin/service-accounts/{account_id}/tokens",
        data={"name": "máy chủ", "days": "90", "write": "y"} | fields,
    )
    assert made.status_code == 201
    return re.search(r'value="(trk_[^"]+)"', made.get_data(as_text=True)).group(1)


def _api(client, secret: str, path: str):
    return client.get(path, headers={"Authorization": f"Bearer {secret}"})


def test_an_admin_makes_an_account_whose_token_sees_only_its_unit(app, client, login, world):
    login("admin@example.org")
    made = _make_account(client, world)
    assert made.status_code == 302
    account_id = _account_id(made)
    secret = _token(client, account_id)
    page = client.get(f"/admin/service-accounts/{account_id}").get_data(as_text=True)
    assert secret not in page and secret[:10] in page  # shown once, then by its prefix
    listing = client.get("/admin/service-accounts").get_data(as_text=True)
    assert "Hệ thống báo cáo tỉnh Lào Cai" in listing
    client.post("/logout")

    found = _api(client, secret, f"/api/v1/assignments?task={world['task']}").get_json()
    assert [a["id"] for a in found["items"]] == [world["mine"]]
    assert _api(client, secret, f"/api/v1/assignments/{world['theirs']}").status_code == 404
    assert _api(client, secret, f"/api/v1/assignments/{world['mine']}").status_code == 200
    with app.app_context():
        made_by = {
            e.kind: e.actor.email
            for e in db.session.scalars(select(Event).where(Event.kind.like("%created")))
        }
        assert made_by["service_account_created"] == "admin@example.org"
        assert made_by["api_token_created"] == "admin@example.org"


def test_switching_an_account_off_stops_its_tokens(app, client, login, world):
    login("admin@example.org")
    account_id = _account_id(_make_account(client, world, role="coordinator", unit_id=""))
    secret = _token(client, account_id)
    assert _api(client, secret, "/api/v1/tasks").status_code == 200
    client.post(f"/admin/service-accounts/{account_id}/deactivate")
    assert _api(client, secret, "/api/v1/tasks").status_code == 401
    client.post(f"/admin/service-accounts/{account_id}/activate")
    assert _api(client, secret, "/api/v1/tasks").status_code == 200


def test_a_revoked_token_of_the_account_opens_nothing(app, client, login, world):
    login("admin@example.org")
    account_id = _account_id(_make_account(client, world))
    secret = _token(client, account_id)
    with app.app_context():
        token_id = db.session.scalar(select(func.max(ApiToken.id)))
    client.post(f"/admin/service-accounts/{account_id}/tokens/{token_id}/revoke")
    assert _api(client, secret, "/api/v1/tasks").status_code == 401


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "Nhập tên hệ thống"),
        ({"unit_id": ""}, "phải thuộc một đơn vị đang hoạt động"),
        ({"name": "a\x01b"}, "U+0001"),
    ],
)
def test_bad_input_makes_no_account(app, client, login, world, fields, message):
    login("admin@example.org")
    answer = _make_account(client, world, **fields)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.is_service)) == 0


def test_only_administrators_reach_the_pages(client, login, world):
    login("dp@example.org")
    assert client.get("/admin/service-accounts").status_code == 403
    assert _make_account(client, world).status_code == 403


def test_the_account_signs_in_to_no_page_and_is_no_person_s_account(app, client, login, world):
    login("admin@example.org")
    account_id = _account_id(_make_account(client, world))
    assert client.get(f"/admin/users/{account_id}").status_code == 404
    assert "Hệ thống báo cáo" not in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout")
    with app.app_context():
        email = db.session.get(User, account_id).email
    assert email.endswith("@service.invalid")
    for password in ("!", "", "secret-pass"):
        answer = client.post("/login", data={"email": email, "password": password})
        assert answer.status_code != 302


def test_nobody_writes_to_the_account(app, client, login, world):
    login("admin@example.org")
    account_id = _account_id(_make_account(client, world))
    with app.app_context():
        people = sources.people({world["unit"]}, {world["task"]})
        assert [r.email for r in people.focal[world["unit"]]] == [HUMAN]
        shown = unit_service.focal_points([world["unit"]])[world["unit"]]
        assert [u.email for u in shown] == [HUMAN]
        happening = Happening(kinds.ASSIGNED, world["task"], world["unit"], world["mine"])
        notify([happening], actor_id=None, now=clock.now())
        told = db.session.scalars(select(Notification.user_id)).all()
        assert account_id not in told and len(told) == 1
        db.session.rollback()
