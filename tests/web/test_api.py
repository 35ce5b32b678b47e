"""The integration API, /api/v1: its generated OpenAPI 3.1 description is valid and a
third-party fuzzer (schemathesis) finds nothing against it, for a coordinator's token and a
focal point's; bearer tokens only; a focal point's token reads its own unit alone (every id
route, from the route map); cursor pages with a Link header; problem details translated by
Accept-Language."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection
from support.assignments import PDF
from support.people import office
from support.units import hanoi_city, hue_province

from tracker import clock
from tracker.extensions import db
from tracker.models import Assignment, Event, Evidence, EvidenceFile, ExtensionRequest, User
from tracker.services import api_tokens

FOCAL_POINT, OTHER_FOCAL_POINT = "dm.hanoi@example.org", "dm.hue@example.org"
COORDINATOR, ADMIN = "dp@example.org", "admin@example.org"


@pytest.fixture
def world(build):
    def make_world(make):
        office(make, "admin", "coordinator")
        hanoi, hue = hanoi_city(make), hue_province(make)
        make.user("focal_point", email=FOCAL_POINT, unit_id=hanoi.id)
        hue_focal = make.user("focal_point", email=OTHER_FOCAL_POINT, unit_id=hue.id)
        ids = {
            "hanoi": hanoi.id,
            "hue": hue.id,
            "tasks": [],
            "hanoi_assignments": [],
            "hue_assignments": [],
        }
        for n in range(5):
            task = make.task(
                title=f"Nhiệm vụ {n}", deadline=date(2024, 6, 10) + timedelta(days=10 * n)
            )
            ids["tasks"].append(task.id)
            ids["hanoi_assignments"].append(make.assignment(task, hanoi).id)
            if n < 3:
                ids["hue_assignments"].append(make.assignment(task, hue, state="in_progress").id)
        ids["hue_only_task"] = make.task(title="Chỉ Huế").id
        ids["hue_assignments"].append(make.assignment(_task(ids["hue_only_task"]), hue).id)
        # Hue's evidence (a row: no file need be on disk to be refused) and its request.
        document = Evidence(assignment_id=ids["hue_assignments"][0], doc_number="9/BC-UBND")
        document.files.append(EvidenceFile(
            filename="hue.pdf", stored_name="e" * 40, content_type="application/pdf", size=1,
            sha256="0",
        ))  # fmt: skip
        request = ExtensionRequest(
            assignment_id=ids["hue_assignments"][0], requested_by_id=hue_focal.id,
            requested_at=clock.now(), current_due=date(2024, 6, 10),
            requested_due=date(2024, 7, 31), reason="Chờ số liệu", state="pending",
        )  # fmt: skip
        db.session.add_all([document, request])
        db.session.flush()
        ids["hue_file"], ids["hue_request"] = document.files[0].id, request.id
        ids["hue_focal"] = hue_focal.id
        return ids

    return build(make_world)


def _task(task_id):
    from tracker.models import Task

    return db.session.get(Task, task_id)


def _token(app, email: str, scopes=(), days: int = 30) -> str:
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        return api_tokens.create(
            user, name="test", scopes=list(scopes), days=days, now=clock.now()
        )[1]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_description_is_valid_openapi_3_1(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    spec = answer.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert {"/api/v1/units", "/api/v1/tasks/{task_id}", "/api/v1/assignments"} <= set(spec["paths"])


# Writes whose services apply rules no schema states (a file's content matching its type,
# a new due date after the one in force, an owner or a unit that exists, a period that ends
# after it starts, a focal point's unit): their 422 refuses schema-valid data by design.
RULES_BEYOND_THE_SCHEMA = [
    "POST /api/v1/assignments/{assignment_id}/submit",
    "POST /api/v1/assignments/{assignment_id}/due-date",
    "POST /api/v1/assignments/{assignment_id}/extensions",
    "POST /api/v1/tasks",
    "PATCH /api/v1/tasks/{task_id}",
    "POST /api/v1/tasks/{task_id}/assignments/preview",
    "POST /api/v1/tasks/{task_id}/assignments",
    "POST /api/v1/units",
    "PATCH /api/v1/units/{unit_id}",
    "POST /api/v1/users",
    "PATCH /api/v1/users/{user_id}",
]
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis's own


def _fuzzing_config(spec: dict) -> SchemathesisConfig:
    """Return schemathesis's configuration: what a schema-valid request may be answered,
    beyond its defaults. A version-checked write may find the ETag it was sent stale (412);
    the writes of ``RULES_BEYOND_THE_SCHEMA`` may refuse the values themselves (422)."""
    checked = sorted(
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("post", "put", "patch", "delete")
        and any(p.get("name") == "If-Match" for p in operation.get("parameters", []))
        and f"{method.upper()} {path}" not in RULES_BEYOND_THE_SCHEMA
    )
    assert len(checked) >= 3  # start, confirm, return

    def accepting(names, *statuses):
        expected = {"expected-statuses": [*ACCEPTED, *statuses]}
        return {"include-name": names, "checks": {"positive_data_acceptance": expected}}

    return SchemathesisConfig.from_dict(
        {
            "operations": [
                accepting(checked, "412"),
                accepting(RULES_BEYOND_THE_SCHEMA, "412", "422"),
            ]
        }
    )


@pytest.mark.parametrize("who", [COORDINATOR, FOCAL_POINT, ADMIN])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_nothing(app, client, world, who, mode):
    app.config["RATELIMIT_ENABLED"] = False
    # An administrator's token with the administration permission reaches units and users.
    scopes = ["write", "admin"] if who == ADMIN else ["write"]
    headers = _bearer(_token(app, who, scopes=scopes))
    config = _fuzzing_config(client.get("/api/v1/openapi.json").get_json())
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35  # every operation of the description, writes included
    for operation in operations:

        @settings(
            max_examples=15,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            # An Idempotency-Key names one request (a UUID, as documented): the fuzzer's keys
            # repeat across different requests, which the API rightly refuses (422).
            if case.headers and "Idempotency-Key" in case.headers:
                case.headers["Idempotency-Key"] = str(uuid.uuid4())
            # Every check but "negative data rejection": the API ignores query parameters
            # it does not know, as HTTP APIs do, which that check counts as accepting bad
            # data. Server errors, undocumented statuses, content types and answers that
            # violate their schema all fail the test.
            case.call_and_validate(headers=headers, excluded_checks=[negative_data_rejection])

        check()


def _id_routes(app, method: str = "GET"):
    """Every API route with an id in its path answering ``method``, from the route map."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.arguments and method in rule.methods
    )


def _path(rule: str, values) -> str:
    """Return ``rule`` with its ids filled in: one id for every one of them, or by name."""
    return re.sub(
        r"<[^>]*:(\w+)>",
        lambda m: str(values[m.group(1)] if isinstance(values, dict) else values),
        rule,
    )


ID = "<int(max=2147483647):{}>"
ASSIGNMENT = "/api/v1/assignments/" + ID.format("assignment_id")
EXTENSION = "/api/v1/extensions/" + ID.format("request_id")
TASK = "/api/v1/tasks/" + ID.format("task_id")
UNIT = "/api/v1/units/" + ID.format("unit_id")
USER = "/api/v1/users/" + ID.format("user_id")


def _state_of_everything(app):
    """What a refused write must leave as it was."""
    from tracker.models import Task, Unit

    with app.app_context():
        return (
            {a.id: (a.state, a.version, a.due_date) for a in db.session.query(Assignment)},
            {r.id: (r.state, r.decided_at) for r in db.session.query(ExtensionRequest)},
            db.session.query(Event).count(),
            db.session.query(Evidence).count(),
            {t.id: (t.version, t.title, t.closed_at) for t in db.session.query(Task)},
            {u.id: (u.code, u.name, u.active) for u in db.session.query(Unit)},
            {u.id: (u.role, u.unit_id, u.active, u.name) for u in db.session.query(User)},
        )


# Routes that are not a focal point's at all, whatever the id: 403, never 404.
ADMINS_ALONE = {"/api/v1/reports/tasks/<int(max=2147483647):task_id>", USER}


def test_a_focal_points_token_reads_no_other_unit(app, client, world):
    token = _bearer(_token(app, FOCAL_POINT, scopes=["write"]))
    hue_assignment, hanoi_assignment = world["hue_assignments"][0], world["hanoi_assignments"][0]
    other = {
        "/api/v1/reports/tasks/<int(max=2147483647):task_id>": [world["hue_only_task"]],
        "/api/v1/units/<int(max=2147483647):unit_id>": [world["hue"]],
        "/api/v1/tasks/<int(max=2147483647):task_id>": [world["hue_only_task"]],
        ASSIGNMENT: world["hue_assignments"],
        # Another unit's file, under its own assignment or under one the token may read.
        ASSIGNMENT + "/evidence/" + ID.format("file_id"): [
            {"assignment_id": hue_assignment, "file_id": world["hue_file"]},
            {"assignment_id": hanoi_assignment, "file_id": world["hue_file"]},
        ],
        EXTENSION: [world["hue_request"]],
        USER: [world["hue_focal"]],
    }
    own = {
        "/api/v1/reports/tasks/<int(max=2147483647):task_id>": [],  # reports: 403 (below)
        "/api/v1/units/<int(max=2147483647):unit_id>": [world["hanoi"]],
        "/api/v1/tasks/<int(max=2147483647):task_id>": world["tasks"][:1],
        ASSIGNMENT: world["hanoi_assignments"][:1],
        ASSIGNMENT + "/evidence/" + ID.format("file_id"): [],  # (test_api_actions: downloads)
        EXTENSION: [],  # (test_api_actions: the unit's own requests)
        USER: [],  # accounts: administrators' alone, 403 (below)
    }
    # A new id route without a case here fails this test.
    assert _id_routes(app) == sorted(other)
    for rule, ids in other.items():
        for id_ in ids:
            path = _path(rule, id_)
            answer = client.get(path, headers=token)
            # Reports and accounts are not a focal point's at all: 403 whatever the id.
            assert answer.status_code == (403 if rule in ADMINS_ALONE else 404), path
            assert answer.content_type == "application/problem+json"
        for id_ in own[rule]:
            assert client.get(_path(rule, id_), headers=token).status_code == 200

    # Every write route, with what would be a valid request on the token's own unit.
    def evidence():
        return {
            "data": {"doc_number": "12/QĐ-UBND", "files": (io.BytesIO(PDF), "qd.pdf")},
            "content_type": "multipart/form-data",
        }

    writes = {
        ASSIGNMENT + "/start": lambda: {},
        ASSIGNMENT + "/confirm": lambda: {},
        ASSIGNMENT + "/return": lambda: {"json": {"reason": "Thiếu"}},
        ASSIGNMENT + "/notes": lambda: {"json": {"note": "Đang làm"}},
        ASSIGNMENT + "/submit": evidence,
        ASSIGNMENT + "/due-date": lambda: {"json": {"due_date": "2024-12-31", "reason": "Lùi"}},
        ASSIGNMENT + "/extensions": lambda: {"json": {"due_date": "2024-12-31", "reason": "Chờ"}},
        EXTENSION + "/approve": lambda: {"json": {"note": "Đồng ý"}},
        EXTENSION + "/reject": lambda: {"json": {"reason": "Không"}},
        # Notifications are each user's own: any other id is as absent as another unit's.
        "/api/v1/notifications/<int(max=2147483647):notification_id>/read": lambda: {},
        TASK + "/close": lambda: {},
        TASK + "/reopen": lambda: {},
        TASK + "/assignments/preview": lambda: {"json": {"unit_ids": [world["hanoi"]]}},
        TASK + "/assignments": lambda: {"json": {"unit_ids": [world["hanoi"]]}},
    }
    assert _id_routes(app, "POST") == sorted(writes)
    changes = {
        TASK: lambda: {"json": {"title": "Đổi tên"}},
        UNIT: lambda: {"json": {"name": "Đổi tên"}},
        USER: lambda: {"json": {"name": "Đổi tên"}},
    }
    assert _id_routes(app, "PATCH") == sorted(changes)
    other_ids = {
        EXTENSION: [world["hue_request"]],
        TASK: [world["hue_only_task"]],
        UNIT: [world["hue"]],
        USER: [world["hue_focal"]],
    }
    before = _state_of_everything(app)
    for method, routes in (("POST", writes), ("PATCH", changes)):
        for rule, request in routes.items():
            prefix = next((p for p in other_ids if rule.startswith(p)), None)
            for id_ in other_ids.get(prefix, world["hue_assignments"]):
                path = _path(rule, id_)
                answer = client.open(
                    path, method=method, headers=token | {"If-Match": '"v1"'}, **request()
                )
                assert answer.status_code == (403 if rule in ADMINS_ALONE else 404), path
                assert answer.content_type == "application/problem+json"
    assert _state_of_everything(app) == before

    listed = client.get("/api/v1/assignments?limit=200", headers=token).get_json()["items"]
    assert sorted(a["id"] for a in listed) == sorted(world["hanoi_assignments"])
    units = client.get("/api/v1/units", headers=token).get_json()["items"]
    assert [u["id"] for u in units] == [world["hanoi"]]
    tasks = client.get("/api/v1/tasks", headers=token).get_json()["items"]
    assert sorted(t["id"] for t in tasks) == sorted(world["tasks"])
    assert client.get("/api/v1/extensions", headers=token).get_json()["items"] == []


def test_pages_follow_the_link_header_to_the_end(app, client, world):
    token = _bearer(_token(app, COORDINATOR))
    seen, url, pages = [], "/api/v1/assignments?limit=3&unit=" + str(world["hanoi"]), 0
    while url:
        answer = client.get(url, headers=token)
        assert answer.status_code == 200
        seen += [a["id"] for a in answer.get_json()["items"]]
        link = answer.headers.get("Link")
        url = re.match(r"<http://[^/]+(/[^>]+)>; rel=\"next\"", link).group(1) if link else None
        pages += 1
    assert seen == sorted(world["hanoi_assignments"]) and pages == 2


def test_filters_and_time_status(app, client, world):
    token = _bearer(_token(app, COORDINATOR))
    overdue = client.get("/api/v1/assignments?status=overdue&limit=200", headers=token).get_json()
    assert overdue["items"] and all(a["status"] == "overdue" for a in overdue["items"])
    working = client.get("/api/v1/assignments?state=in_progress", headers=token).get_json()["items"]
    assert sorted(a["id"] for a in working) == sorted(world["hue_assignments"][:3])
    one = client.get(
        f"/api/v1/assignments/{world['hanoi_assignments'][0]}", headers=token
    ).get_json()
    assert one["created_at"].endswith("+07:00") and one["due_date"] == "2024-06-10"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, 401),
        ({"Authorization": "Bearer trk_not-a-token"}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
    ],
)
def test_no_valid_token_no_answer(client, world, headers, code):
    answer = client.get("/api/v1/units", headers=headers)
    assert answer.status_code == code
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.get_json()["status"] == code


def test_a_session_cookie_does_not_sign_an_api_request_in(client, login, world):
    login(COORDINATOR)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/units").status_code == 401


def test_revoked_and_expired_tokens_get_401(app, client, world):
    token = _token(app, COORDINATOR, days=30)
    assert client.get("/api/v1/units", headers=_bearer(token)).status_code == 200
    with app.app_context():
        from tracker.models import ApiToken

        row = db.session.query(ApiToken).one()
        row.expires_at = clock.now() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/units", headers=_bearer(token)).status_code == 401


def test_problems_speak_the_asked_language(app, client, world):
    token = _bearer(_token(app, COORDINATOR))
    vi = client.get("/api/v1/units?limit=0", headers=token | {"Accept-Language": "vi"})
    en = client.get("/api/v1/units?limit=0", headers=token | {"Accept-Language": "en"})
    assert vi.status_code == en.status_code == 422
    assert vi.get_json()["title"] != en.get_json()["title"] == "Invalid input"
    assert "limit" in vi.get_json()["errors"]["query"]


def test_each_token_has_its_own_rate_limit(app, client, world):
    app.config["API_RATE_LIMIT"] = "3/minute"
    first, second = _bearer(_token(app, COORDINATOR)), _bearer(_token(app, FOCAL_POINT))
    codes = [client.get("/api/v1/units", headers=first).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/units", headers=second).status_code == 200


def _etag(client, token, assignment_id):
    answer = client.get(f"/api/v1/assignments/{assignment_id}", headers=token)
    assert answer.status_code == 200
    return answer.headers["ETag"]


def test_a_write_needs_the_current_etag_and_names_the_token(app, client, world):
    token = _bearer(_token(app, FOCAL_POINT, scopes=["write"]))
    assignment = world["hanoi_assignments"][0]
    tag = _etag(client, token, assignment)

    assert client.post(f"/api/v1/assignments/{assignment}/start", headers=token).status_code == 428
    started = client.post(
        f"/api/v1/assignments/{assignment}/start", headers=token | {"If-Match": tag}
    )
    assert started.status_code == 200
    assert started.get_json()["state"] == "in_progress"
    assert started.headers["ETag"] != tag

    stale = client.post(
        f"/api/v1/assignments/{assignment}/notes", json={"note": "ok"}, headers=token
    )
    assert stale.status_code == 204  # a note changes no version: no If-Match needed
    again = client.post(
        f"/api/v1/assignments/{assignment}/start", headers=token | {"If-Match": tag}
    )
    assert again.status_code == 412
    assert again.content_type == "application/problem+json"
    with app.app_context():
        row = db.session.get(Assignment, assignment)
        assert (row.state, row.version) == ("in_progress", 2)
        kinds = [(e.kind, (e.data or {}).get("api_token")) for e in db.session.query(Event)]
        assert ("started", "test") in kinds and ("note", "test") in kinds


def test_a_read_token_cannot_write(app, client, world):
    token = _bearer(_token(app, FOCAL_POINT))
    assignment = world["hanoi_assignments"][0]
    tag = _etag(client, token, assignment)
    answer = client.post(
        f"/api/v1/assignments/{assignment}/start", headers=token | {"If-Match": tag}
    )
    assert answer.status_code == 403
    with app.app_context():
        assert db.session.get(Assignment, assignment).state == "assigned"


@pytest.mark.parametrize("note", ["", "   ", "ab\x00cd", "a\x07b", "x" * 5001])
def test_unstorable_notes_are_refused_with_422(app, client, world, note):
    token = _bearer(_token(app, FOCAL_POINT, scopes=["write"]))
    assignment = world["hanoi_assignments"][0]
    with app.app_context():
        events = db.session.query(Event).count()
    answer = client.post(
        f"/api/v1/assignments/{assignment}/notes", json={"note": note}, headers=token
    )
    assert answer.status_code == 422
    assert "note" in answer.get_json()["errors"]["json"]
    with app.app_context():
        assert db.session.query(Event).count() == events


def test_a_coordinator_returns_then_confirms_through_the_api(app, client, build, world):
    def submit(make):
        row = db.session.get(Assignment, world["hanoi_assignments"][1])
        row.state, row.submitted_on = "submitted", date(2024, 6, 18)

    build(submit)
    token = _bearer(_token(app, COORDINATOR, scopes=["write"]))
    assignment = world["hanoi_assignments"][1]
    tag = _etag(client, token, assignment)
    path = f"/api/v1/assignments/{assignment}"
    no_reason = client.post(f"{path}/return", json={}, headers=token | {"If-Match": tag})
    assert no_reason.status_code == 422
    confirmed = client.post(f"{path}/confirm", headers=token | {"If-Match": tag})
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "completed"
    # Confirmed already: a second confirmation is a conflict, not a change.
    again = client.post(f"{path}/confirm", headers=token | {"If-Match": confirmed.headers["ETag"]})
    assert again.status_code == 409


def test_reports_state_the_programmes_figures_as_of_a_day(app, client, build, world):
    def complete(make):
        row = db.session.get(Assignment, world["hanoi_assignments"][0])
        row.state, row.submitted_on = "completed", date(2024, 6, 5)

    build(complete)
    token = _bearer(_token(app, COORDINATOR))
    answer = client.get("/api/v1/reports/programme?as_of=2024-07-01", headers=token)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["as_of"] == "2024-07-01"
    assert body["total"]["total"] == 9 and body["total"]["completed_on_time"] == 1
    first = next(t for t in body["tasks"] if t["task_id"] == world["tasks"][0])
    assert first["by_group"]["local"]["completed"] == 1 and first["total"]["total"] == 2
    one = client.get(f"/api/v1/reports/tasks/{world['tasks'][0]}?missing=true", headers=token)
    assert [u["unit_id"] for u in one.get_json()["units"]] == [world["hue"]]
    scores = client.get("/api/v1/reports/units?limit=1", headers=token)
    assert scores.get_json()["count"] == 2 and 'rel="next"' in scores.headers["Link"]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/reports/programme?as_of=1999-12-31", 422),
        ("/api/v1/reports/programme?as_of=31/02/2024", 422),
        ("/api/v1/reports/tasks/999999", 404),
        ("/api/v1/reports/units?page=0", 422),
    ],
)
def test_reports_refuse_what_they_cannot_answer(app, client, world, path, code):
    answer = client.get(path, headers=_bearer(_token(app, COORDINATOR)))
    assert answer.status_code == code
    assert answer.content_type == "application/problem+json"


def test_a_focal_point_reads_no_report(app, client, world):
    token = _bearer(_token(app, FOCAL_POINT))
    for path in ("/api/v1/reports/programme", "/api/v1/reports/units", "/api/v1/reports/tasks/1"):
        assert client.get(path, headers=token).status_code == 403


def test_the_documentation_page_is_for_signed_in_users(client, login, world):
    assert client.get("/api/docs").status_code == 302
    login(COORDINATOR)
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset


def test_notifications_are_the_token_users_own(app, client, build, world):
    def submit(make):
        row = db.session.get(Assignment, world["hanoi_assignments"][2])
        row.state, row.submitted_on = "submitted", date(2024, 6, 28)

    build(submit)
    coordinator = _bearer(_token(app, COORDINATOR, scopes=["write"]))
    assignment = world["hanoi_assignments"][2]
    tag = _etag(client, coordinator, assignment)
    returned = client.post(
        f"/api/v1/assignments/{assignment}/return",
        json={"reason": "Thiếu quyết định ban hành"},
        headers=coordinator | {"If-Match": tag},
    )
    assert returned.status_code == 200

    reader = _bearer(_token(app, FOCAL_POINT))
    listed = client.get("/api/v1/notifications?unread=true", headers=reader).get_json()
    assert listed["count"] == 1
    [note] = listed["items"]
    assert note["assignment_id"] == assignment and note["data"]["reason"].startswith("Thiếu")
    assert (
        client.post(f"/api/v1/notifications/{note['id']}/read", headers=reader).status_code == 403
    )

    writer = _bearer(_token(app, FOCAL_POINT, scopes=["write"]))
    other = _bearer(_token(app, OTHER_FOCAL_POINT, scopes=["write"]))
    assert client.post(f"/api/v1/notifications/{note['id']}/read", headers=other).status_code == 404
    assert client.get("/api/v1/notifications", headers=other).get_json()["count"] == 0
    assert (
        client.post(f"/api/v1/notifications/{note['id']}/read", headers=writer).status_code == 204
    )
    assert client.get("/api/v1/notifications?unread=true", headers=reader).get_json()["count"] == 0


def test_every_api_blueprint_authenticates_by_token_alone(app):
    from tracker.auth import API_BLUEPRINTS

    served = {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}  # fmt: skip
    assert served == API_BLUEPRINTS


def test_the_audit_log_is_for_administrators_with_the_administration_permission(app, client, world):
    admin = _bearer(_token(app, "admin@example.org", scopes=["write", "admin"]))
    admin_reader = _bearer(_token(app, "admin@example.org"))
    coordinator = _bearer(_token(app, COORDINATOR, scopes=["write"]))
    answer = client.get("/api/v1/audit?kind=api_token_created&limit=2", headers=admin)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["count"] == 3 and [e["kind"] for e in body["items"]] == ["api_token_created"] * 2
    assert 'rel="next"' in answer.headers["Link"]
    assert client.get("/api/v1/audit", headers=admin_reader).status_code == 403
    assert client.get("/api/v1/audit", headers=coordinator).status_code == 403


def _notes(app, assignment_id) -> int:
    with app.app_context():
        return db.session.query(Event).filter_by(assignment_id=assignment_id, kind="note").count()


def test_a_retry_with_the_same_idempotency_key_adds_nothing(app, client, world):
    token = _bearer(_token(app, FOCAL_POINT, scopes=["write"]))
    assignment = world["hanoi_assignments"][0]
    path = f"/api/v1/assignments/{assignment}/notes"
    key = {"Idempotency-Key": "7f6c1b1e-4a0e-4c55-9d7e-2b1f2f0a9c11"}

    first = client.post(path, json={"note": "Đã gửi dự thảo"}, headers=token | key)
    again = client.post(path, json={"note": "Đã gửi dự thảo"}, headers=token | key)
    assert first.status_code == again.status_code == 204
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _notes(app, assignment) == 1

    other = client.post(path, json={"note": "Khác"}, headers=token | key)
    assert other.status_code == 422 and _notes(app, assignment) == 1
    bad = client.post(path, json={"note": "x"}, headers=token | {"Idempotency-Key": "có dấu"})
    assert bad.status_code == 422 and _notes(app, assignment) == 1
    # Without a key, each POST is its own.
    client.post(path, json={"note": "Lần hai"}, headers=token)
    client.post(path, json={"note": "Lần hai"}, headers=token)
    assert _notes(app, assignment) == 3
    # Another token's same key is another key.
    second = _bearer(_token(app, FOCAL_POINT, scopes=["write"]))
    assert (
        client.post(path, json={"note": "Đã gửi dự thảo"}, headers=second | key).status_code == 204
    )
    assert _notes(app, assignment) == 4


def test_the_email_log_is_for_staff_newest_first(app, client, build, world):
    from tracker.models import EmailMessage

    def queue(make):
        for n in range(3):
            db.session.add(EmailMessage(
                kind="reminder", to=f"p{n}@example.org", subject=f"Nhắc việc {n}",
                created_at=clock.now(), next_attempt_at=clock.now(), state="pending",
                body_text="x", body_html="<p>x</p>", unit_id=world["hanoi"],
            ))  # fmt: skip

    build(queue)
    staff = _bearer(_token(app, COORDINATOR))
    first = client.get("/api/v1/emails?limit=2", headers=staff)
    assert first.status_code == 200
    subjects = [e["subject"] for e in first.get_json()["items"]]
    assert subjects == ["Nhắc việc 2", "Nhắc việc 1"]
    following = re.match(r"<http://[^/]+(/[^>]+)>", first.headers["Link"]).group(1)
    last = client.get(following, headers=staff).get_json()["items"]
    assert [e["subject"] for e in last] == ["Nhắc việc 0"]
    assert (
        client.get("/api/v1/emails", headers=_bearer(_token(app, FOCAL_POINT))).status_code == 403
    )
