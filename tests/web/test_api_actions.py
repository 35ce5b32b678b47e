"""The API's assignment actions beyond start, note, confirm and return: reporting completion
with evidence files (multipart), downloading them, changing a due date, asking for and
deciding extensions, and reading the reminder ledger. Each is checked from the receiving
side: what GET answers afterwards, the audit log naming the token, and the webhook a real
HTTP receiver gets; refusals change nothing and are told in the language asked for."""

from __future__ import annotations

import io
import json
import os
import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from support.assignments import PDF, PNG, docx
from support.people import ADMIN, COORDINATOR, VIEWER, office
from support.receiver import Receiver, conforms
from support.units import hanoi_city, hue_province

from tracker import clock
from tracker.extensions import db
from tracker.models import Assignment, Event, Evidence, EvidenceFile, ExtensionRequest, Reminder
from tracker.models import User as UserModel
from tracker.services import api_tokens, webhooks

FOCAL_POINT, OTHER_FOCAL_POINT = "dm.hanoi@example.org", "dm.hue@example.org"
DUE = date(2024, 7, 31)


@pytest.fixture
def world(build):
    def make_world(make):
        _admin, coordinator, _viewer = office(make, "admin", "coordinator", "viewer")
        hanoi, hue = hanoi_city(make), hue_province(make)
        make.user("focal_point", email=FOCAL_POINT, unit_id=hanoi.id)
        make.user("focal_point", email=OTHER_FOCAL_POINT, unit_id=hue.id)
        task = make.task(
            title="Ban hành kế hoạch dữ liệu mở", deadline=DUE, owner_id=coordinator.id
        )
        other = make.task(title="Báo cáo 6 tháng", deadline=date(2024, 6, 20))
        return {
            "hanoi": hanoi.id,
            "hue": hue.id,
            "task": task.id,
            "other_task": other.id,
            "ours": make.assignment(task, hanoi, state="in_progress").id,
            "theirs": make.assignment(task, hue, state="in_progress").id,
            "late": make.assignment(other, hanoi, state="assigned").id,
        }

    return build(make_world)


def _token(app, email: str, scopes=("write",), name: str = "e-office") -> dict:
    with app.app_context():
        user = db.session.scalar(select(UserModel).where(UserModel.email == email))
        secret = api_tokens.create(user, name=name, scopes=list(scopes), days=30, now=clock.now())
    return {"Authorization": f"Bearer {secret[1]}"}


def _read(client, token, assignment_id) -> tuple[dict, str]:
    answer = client.get(f"/api/v1/assignments/{assignment_id}", headers=token)
    assert answer.status_code == 200
    return answer.get_json(), answer.headers["ETag"]


def _request_etag(client, token, request_id) -> str:
    answer = client.get(f"/api/v1/extensions/{request_id}", headers=token)
    assert answer.status_code == 200
    return answer.headers["ETag"]


def _events(app, kind: str) -> list[Event]:
    with app.app_context():
        rows = db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id))
        return [(e.assignment_id, (e.data or {}).get("api_token")) for e in rows]


def _counts(app) -> tuple:
    with app.app_context():
        return (
            {
                a.id: (a.state, a.version, a.due_date)
                for a in db.session.scalars(select(Assignment))
            },
            *(
                db.session.scalar(select(func.count()).select_from(model))
                for model in (Event, Evidence, EvidenceFile, ExtensionRequest)
            ),
        )


def _stored(app) -> list[str]:
    folder = app.config["UPLOAD_FOLDER"]
    return [name for _root, _dirs, names in os.walk(folder) for name in names]


@contextmanager
def _receiving(app, build):
    """A real HTTP receiver registered for every event type; ``deliver()`` runs the outbox
    sender's webhook pass and returns the events received so far, parsed."""
    with Receiver().running() as receiver:

        def register(make):
            admin = db.session.scalar(select(UserModel).where(UserModel.email == ADMIN))
            webhooks.create_endpoint(
                admin, url=receiver.url, kinds=list(webhooks.TYPES), description="", now=clock.now()
            )

        build(register)

        def deliver() -> list[dict]:
            from tracker.settings import Settings

            with app.app_context():
                later = clock.now() + timedelta(seconds=1)
                webhooks.deliver_due(lambda: later, Settings.from_config(app.config, "."))
            return [json.loads(body) for _headers, body in receiver.received]

        yield deliver


def _files(*named: tuple[bytes, str]) -> list:
    return [(io.BytesIO(content), name) for content, name in named]


def test_a_read_only_token_changes_nothing_through_any_write(app, client, world):
    """Every write of the route map, on the token's own unit, new ones included: 403."""
    writes = sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in ("POST", "PATCH")
        if rule.rule.startswith("/api/v1/") and method in rule.methods
    )
    assert len(writes) >= 21  # the POSTs and PATCHes of tasks, units and users included
    readers = (_token(app, FOCAL_POINT, scopes=()), _token(app, COORDINATOR, scopes=()))
    before = _counts(app)
    for token in readers:
        for method, rule in writes:
            path = re.sub(r"<[^>]*>", str(world["ours"]), rule)
            headers = token | {"If-Match": "*", "Accept-Language": "vi"}
            body = {"reason": "x", "note": "x"}
            answer = client.open(path, method=method, json=body, headers=headers)
            assert answer.status_code == 403, path
            assert answer.get_json()["title"] == "Không được phép"
    assert _counts(app) == before


# ----------------------------------------------------------------------- submit with evidence


def test_a_focal_point_reports_completion_with_files_and_everyone_sees_the_evidence(
    app, client, build, world
):
    spec = client.get("/api/v1/openapi.json").get_json()
    focal = _token(app, FOCAL_POINT)
    with _receiving(app, build) as deliver:
        _, tag = _read(client, focal, world["ours"])
        answer = client.post(
            f"/api/v1/assignments/{world['ours']}/submit",
            headers=focal | {"If-Match": tag},
            data={
                "doc_number": "1234/QĐ-UBND",
                "doc_date": "2024-06-28",
                "signer": "Nguyễn Văn A",
                "summary": "Quyết định ban hành kế hoạch dữ liệu mở",
                "files": _files((PDF, "Quyết định 1234.pdf"), (docx(), "phu-luc.docx")),
            },
            content_type="multipart/form-data",
        )
        received = deliver()
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["state"] == "submitted" and answer.headers["ETag"] != tag
    [document] = body["evidence"]
    assert (document["doc_number"], document["doc_date"], document["signer"]) == (
        "1234/QĐ-UBND",
        "2024-06-28",
        "Nguyễn Văn A",
    )
    assert [f["filename"] for f in document["files"]] == ["Quyết định 1234.pdf", "phu-luc.docx"]

    # The coordinator reads it (a read-only token) and downloads the file as uploaded.
    reader = _token(app, COORDINATOR, scopes=())
    read, _ = _read(client, reader, world["ours"])
    assert read["evidence"] == body["evidence"]
    link = document["files"][0]["url"]
    download = client.get(re.sub(r"^https?://[^/]+", "", link), headers=reader)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]
    # Hue's focal point does not see it.
    other = _token(app, OTHER_FOCAL_POINT, scopes=())
    assert client.get(re.sub(r"^https?://[^/]+", "", link), headers=other).status_code == 404

    assert ("submitted", "e-office") in [(k, t) for k, t in _kinds(app, world["ours"])]
    assert ("evidence_added", "e-office") in [(k, t) for k, t in _kinds(app, world["ours"])]
    [event] = [e for e in received if e["type"] == "assignment.submitted"]
    conforms(spec, event)
    assert event["data"]["assignment_id"] == world["ours"]
    assert event["data"]["doc_number"] == "1234/QĐ-UBND"


def _kinds(app, assignment_id: int) -> list[tuple[str, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(Event).where(Event.assignment_id == assignment_id))
        return [(e.kind, (e.data or {}).get("api_token")) for e in rows]


@pytest.mark.parametrize(
    ("data", "vi_detail"),
    [
        # Bytes of a PNG named .pdf: the content decides, as on the page.
        ({"doc_number": "1/QĐ", "files": [(PNG, "bao-cao.pdf")]}, "không phải là tệp PDF"),
        ({"files": [(b"MZ\x90\x00", "setup.exe")]}, "không thuộc định dạng được chấp nhận"),
        ({"summary": "Không có gì"}, "số ký hiệu"),  # neither a number nor a file
        ({"doc_number": "1/QĐ", "doc_date": "2024-12-31"}, "sau ngày hôm nay"),
    ],
)
def test_a_refused_report_stores_nothing_and_says_why_in_vietnamese(
    app, client, world, data, vi_detail
):
    focal = _token(app, FOCAL_POINT)
    _, tag = _read(client, focal, world["ours"])
    before, files = _counts(app), _stored(app)
    form = {k: v for k, v in data.items() if k != "files"}
    if "files" in data:
        form["files"] = _files(*data["files"])
    answer = client.post(
        f"/api/v1/assignments/{world['ours']}/submit",
        headers=focal | {"If-Match": tag, "Accept-Language": "vi"},
        data=form,
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert answer.content_type == "application/problem+json"
    problem = answer.get_json()
    assert problem["title"] == "Dữ liệu vào không hợp lệ"
    assert vi_detail in problem["detail"]
    assert _counts(app) == before and _stored(app) == files


def test_a_file_over_the_evidence_limit_is_refused_with_the_limit(app, client, world):
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    focal = _token(app, FOCAL_POINT)
    _, tag = _read(client, focal, world["ours"])
    before = _counts(app)
    answer = client.post(
        f"/api/v1/assignments/{world['ours']}/submit",
        headers=focal | {"If-Match": tag, "Accept-Language": "en"},
        data={"files": _files((PDF + b"0" * 2048, "lon.pdf"))},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422 and "larger than the limit" in answer.get_json()["detail"]
    assert _counts(app) == before


def test_submitting_needs_the_write_permission_the_current_etag_and_the_units_focal_point(
    app, client, world
):
    focal, reader = _token(app, FOCAL_POINT), _token(app, FOCAL_POINT, scopes=())
    coordinator = _token(app, COORDINATOR)
    _, tag = _read(client, focal, world["ours"])
    path = f"/api/v1/assignments/{world['ours']}/submit"
    before = _counts(app)

    def post(headers):
        return client.post(
            path,
            headers=headers | {"Accept-Language": "vi"},
            data={"doc_number": "5/KH-UBND", "files": _files((PDF, "kh.pdf"))},
            content_type="multipart/form-data",
        )

    refused = post(reader | {"If-Match": tag})
    assert refused.status_code == 403 and refused.get_json()["title"] == "Không được phép"
    assert post(focal).status_code == 428
    stale = post(focal | {"If-Match": '"v99"'})
    assert stale.status_code == 412
    assert stale.get_json()["title"] == "Điều kiện tiên quyết không thỏa mãn"
    assert post(coordinator | {"If-Match": tag}).status_code == 403  # not the unit's
    assert _counts(app) == before


def test_a_retried_report_with_its_idempotency_key_is_answered_again_not_stored_twice(
    app, client, world
):
    focal = _token(app, FOCAL_POINT)
    _, tag = _read(client, focal, world["ours"])
    key = {"Idempotency-Key": "3b1f8c62-0f7e-4b8e-9d0a-5c7a1e2f4d10", "If-Match": tag}

    def post(content=PDF):
        # Each post is encoded afresh, with another multipart boundary.
        return client.post(
            f"/api/v1/assignments/{world['ours']}/submit",
            headers=focal | key,
            data={"doc_number": "7/BC", "files": _files((content, "bc.pdf"))},
            content_type="multipart/form-data",
        )

    first, again = post(), post()
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    other = post(PDF + b"% another file\n")
    assert other.status_code == 422  # the same key with another request
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 1


# ----------------------------------------------------------------------- due dates


def test_a_coordinator_changes_a_due_date_and_the_unit_is_told(app, client, build, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    coordinator = _token(app, COORDINATOR)
    path = f"/api/v1/assignments/{world['ours']}/due-date"
    focal, reader = _token(app, FOCAL_POINT), _token(app, COORDINATOR, scopes=())
    _, tag = _read(client, coordinator, world["ours"])
    before = _counts(app)
    for headers, body, code in [
        (focal, {"due_date": "2024-09-30", "reason": "Lùi"}, 403),
        (reader, {"due_date": "2024-09-30", "reason": "Lùi"}, 403),
        (coordinator | {"If-Match": '"v9"'}, {"due_date": "2024-09-30", "reason": "Lùi"}, 412),
        (coordinator | {"If-Match": tag}, {"due_date": "2024-09-30"}, 422),
        (coordinator | {"If-Match": tag}, {"due_date": "1999-12-31", "reason": "Lùi"}, 422),
        (coordinator | {"If-Match": tag}, {"due_date": DUE.isoformat(), "reason": "Lùi"}, 422),
    ]:
        answer = client.post(path, json=body, headers={"If-Match": tag} | headers)
        assert answer.status_code == code, (body, answer.get_json())
    assert _counts(app) == before

    with _receiving(app, build) as deliver:
        changed = client.post(
            path,
            json={"due_date": "2024-09-30", "reason": "Chờ Nghị định hướng dẫn"},
            headers=coordinator | {"If-Match": tag},
        )
        received = deliver()
    assert changed.status_code == 200
    body, _ = _read(client, _token(app, FOCAL_POINT, scopes=()), world["ours"])
    assert (body["due_date"], body["original_due_date"]) == ("2024-09-30", DUE.isoformat())
    assert ("due_changed", "e-office") in _kinds(app, world["ours"])
    [event] = received
    conforms(spec, event)
    assert event["type"] == "assignment.due_changed"
    assert (event["data"]["old"], event["data"]["new"]) == (DUE.isoformat(), "2024-09-30")


# ----------------------------------------------------------------------- extensions


def test_an_extension_is_asked_for_listed_and_decided_through_the_api(app, client, build, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    focal, coordinator = _token(app, FOCAL_POINT), _token(app, COORDINATOR)
    ask = f"/api/v1/assignments/{world['ours']}/extensions"
    vi = {"Accept-Language": "vi"}

    with _receiving(app, build) as deliver:
        too_early = client.post(ask, json={"due_date": "2024-07-15", "reason": "x"}, headers=focal)
        assert too_early.status_code == 422 and "31/07/2024" in too_early.get_json()["detail"]
        by_coordinator = client.post(
            ask, json={"due_date": "2024-08-31", "reason": "x"}, headers=coordinator
        )
        assert by_coordinator.status_code == 403
        asked = client.post(
            ask, json={"due_date": "2024-08-31", "reason": "Chờ số liệu của Bộ"}, headers=focal
        )
        assert asked.status_code == 201
        request = asked.get_json()
        assert (request["state"], request["requested_due"], request["unit_id"]) == (
            "pending",
            "2024-08-31",
            world["hanoi"],
        )
        assert asked.headers["Location"].endswith(f"/api/v1/extensions/{request['id']}")
        twice = client.post(ask, json={"due_date": "2024-09-30", "reason": "x"}, headers=focal | vi)
        assert twice.status_code == 409 and twice.get_json()["title"] == "Xung đột dữ liệu"

        pending = client.get("/api/v1/extensions?state=pending", headers=coordinator).get_json()
        assert [r["id"] for r in pending["items"]] == [request["id"]]
        # Deciding is for coordinators: the unit's own focal point may see it, not decide it.
        tag = _request_etag(client, coordinator, request["id"])
        own = client.post(
            f"/api/v1/extensions/{request['id']}/approve", headers=focal | {"If-Match": tag}
        )
        assert own.status_code == 403
        no_reason = client.post(
            f"/api/v1/extensions/{request['id']}/reject",
            json={},
            headers=coordinator | {"If-Match": tag},
        )
        assert no_reason.status_code == 422
        approved = client.post(
            f"/api/v1/extensions/{request['id']}/approve",
            json={"note": "Đồng ý"},
            headers=coordinator | {"If-Match": tag},
        )
        assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
        assert approved.headers["ETag"] != tag  # the assignment's due date moved
        again = client.post(
            f"/api/v1/extensions/{request['id']}/reject",
            json={"reason": "Muộn"},
            headers=coordinator | vi | {"If-Match": approved.headers["ETag"]},
        )
        assert again.status_code == 409 and "đã được xử lý" in again.get_json()["detail"]
        received = deliver()

    body, _ = _read(client, focal, world["ours"])
    assert (body["due_date"], body["original_due_date"]) == ("2024-08-31", DUE.isoformat())
    assert [e["type"] for e in received] == ["extension.requested", "extension.decided"]
    for event in received:
        conforms(spec, event)
        assert event["data"]["request_id"] == request["id"]
    assert received[1]["data"]["approved"] is True
    assert ("extension_requested", "e-office") in _kinds(app, world["ours"])
    assert ("extension_approved", "e-office") in _kinds(app, world["ours"])
    listed = client.get(f"/api/v1/extensions?assignment={world['ours']}", headers=focal)
    assert [r["state"] for r in listed.get_json()["items"]] == ["approved"]


def test_a_rejected_extension_keeps_the_due_date_and_tells_the_reason(app, client, world):
    focal, coordinator = _token(app, FOCAL_POINT), _token(app, COORDINATOR)
    asked = client.post(
        f"/api/v1/assignments/{world['ours']}/extensions",
        json={"due_date": "2024-08-31", "reason": "Chờ số liệu"},
        headers=focal,
    ).get_json()
    rejected = client.post(
        f"/api/v1/extensions/{asked['id']}/reject",
        json={"reason": "Không đủ căn cứ"},
        headers=coordinator | {"If-Match": _request_etag(client, coordinator, asked["id"])},
    )
    assert rejected.status_code == 200
    assert (rejected.get_json()["state"], rejected.get_json()["decision_note"]) == (
        "rejected",
        "Không đủ căn cứ",
    )
    one = client.get(f"/api/v1/extensions/{asked['id']}", headers=focal).get_json()
    assert one["state"] == "rejected"
    assert _read(client, focal, world["ours"])[0]["due_date"] == DUE.isoformat()


# ----------------------------------------------------------------------- the reminder ledger


def test_the_reminder_ledger_is_read_as_the_pages_show_it(app, client, build, world):
    def remind(make):
        rows = [
            ("assignment", world["ours"], world["task"], world["hanoi"], "before_3", "sent"),
            ("assignment", world["theirs"], world["task"], world["hue"], "before_3", "failed"),
            ("assignment", world["late"], world["other_task"], world["hanoi"], "overdue_3", "sent"),
            ("digest", None, None, None, "digest", "sent"),
        ]
        for n, (kind, assignment, task, unit, stage, state) in enumerate(rows):
            db.session.add(Reminder(
                dedupe_key=f"k{n}", kind=kind, assignment_id=assignment, task_id=task,
                unit_id=unit, recipient=f"r{n}@example.org", stage=stage,
                day=date(2024, 6, 28), state=state, claimed_at=clock.now(),
            ))  # fmt: skip

    build(remind)
    staff = _token(app, COORDINATOR, scopes=())
    everything = client.get("/api/v1/reminders?limit=3", headers=staff)
    assert everything.status_code == 200
    first = everything.get_json()["items"]
    assert [r["recipient"] for r in first] == ["r3@example.org", "r2@example.org", "r1@example.org"]
    following = re.match(r"<http://[^/]+(/[^>]+)>", everything.headers["Link"]).group(1)
    assert [r["recipient"] for r in client.get(following, headers=staff).get_json()["items"]] == [
        "r0@example.org"
    ]

    def recipients(query, token):
        answer = client.get(f"/api/v1/reminders?{query}", headers=token)
        assert answer.status_code == 200, answer.get_json()
        return sorted(r["recipient"] for r in answer.get_json()["items"])

    assert recipients(f"unit={world['hanoi']}", staff) == ["r0@example.org", "r2@example.org"]
    assert recipients(f"task={world['task']}&state=failed", staff) == ["r1@example.org"]
    assert recipients("stage=overdue_3", staff) == ["r2@example.org"]
    assert recipients("date_from=2024-07-02", staff) == []
    # A focal point reads its unit's reminders, as its assignment pages show them; a
    # viewer every assignment's; the digests are the staff's.
    focal = _token(app, FOCAL_POINT, scopes=())
    assert recipients("", focal) == ["r0@example.org", "r2@example.org"]
    assert recipients(f"unit={world['hue']}", focal) == []
    assert recipients("", _token(app, VIEWER, scopes=())) == [
        "r0@example.org",
        "r1@example.org",
        "r2@example.org",
    ]
    bad = client.get(
        "/api/v1/reminders?date_from=1999-01-01", headers=staff | {"Accept-Language": "vi"}
    )
    assert bad.status_code == 422 and bad.get_json()["title"] == "Dữ liệu vào không hợp lệ"
