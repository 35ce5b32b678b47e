"""The import pages through HTTP: who may import what, uploads, errors shown, check only."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select
from support.imports import csv_bytes
from support.outbox import deliver, point_at
from support.people import office
from support.tasks import count, work_events
from support.units import da_nang_city

from tracker.extensions import db
from tracker.models import Event, Task, Unit, User

UNITS = [
    ("Mã", "Tên đơn vị", "Loại"),
    ("BYT", "Bộ Y tế", "Bộ"),
    ("46", "Tỉnh Thừa Thiên Huế", "Tỉnh"),
]
BAD_UNITS = [
    ("Mã", "Tên đơn vị", "Loại"),
    ("BYT", "Bộ Y tế", "Bộ"),
    ("46", "Tỉnh Thừa Thiên Huế", "Tỉnh lạ"),
    ("byt", "Bộ Y tế <b>lặp</b>", "Bộ"),
]


@pytest.fixture
def world(build):
    def setup(make):
        unit = da_nang_city(make, code="48")
        office(make, "admin", "coordinator", "viewer", language="en")
        make.user("focal_point", email="fp@example.org", language="en", unit_id=unit.id)

    build(setup)


def _upload(client, kind, data, **fields):
    form = {"file": (io.BytesIO(data), "danh sách.csv"), **fields}
    return client.post(f"/imports/{kind}", data=form, content_type="multipart/form-data")


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("admin@example.org", {"units", "users", "tasks"}),
        ("dp@example.org", {"tasks"}),
        ("ld@example.org", set()),
        ("fp@example.org", set()),
    ],
)
def test_each_role_reaches_only_its_imports(client, login, world, email, allowed):
    login(email)
    for kind in ("units", "users", "tasks"):
        expected = 200 if kind in allowed else 403
        assert client.get(f"/imports/{kind}").status_code == expected, kind
        assert client.get(f"/imports/{kind}/template.csv").status_code == expected
        assert _upload(client, kind, csv_bytes(UNITS)).status_code in (
            {403} if expected == 403 else {200, 422}
        )
    assert client.get("/imports/").status_code == (
        403 if not allowed else 200 if len(allowed) > 1 else 302
    )


def test_admins_find_imports_in_the_admin_tabs_and_coordinators_in_the_task_list(
    client, login, world
):
    login("admin@example.org")
    assert 'href="/imports/"' in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout")
    login("dp@example.org")
    assert 'href="/imports/tasks"' in client.get("/tasks/").get_data(as_text=True)


def test_a_good_file_is_imported_and_its_names_shown(app, client, login, world):
    login("admin@example.org")
    response = _upload(client, "units", csv_bytes(UNITS), submit="Import")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The file has been imported." in page and "Bộ Y tế (BYT)" in page
    assert count(app, Unit) == 3
    again = _upload(client, "units", csv_bytes(UNITS), submit="Import").get_data(as_text=True)
    assert "nothing changed" in again and count(app, Unit) == 3


def test_a_bad_file_is_refused_whole_with_every_bad_line_listed(app, client, login, world):
    login("admin@example.org")
    response = _upload(client, "units", csv_bytes(BAD_UNITS), submit="Import")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    table = re.search(r'<table[^>]*id="import-errors".*?</table>', page, flags=re.S).group(0)
    lines = re.findall(r'<td class="text-end text-nowrap">(\d+)</td>', table)
    assert lines == ["3", "4"]
    assert "Tỉnh lạ" in table and "&lt;b&gt;" not in table  # quoted values are escaped
    assert count(app, Unit) == 1 and count(app, Event, work_events()) == 0


def test_check_only_writes_nothing(app, client, login, world):
    login("dp@example.org")
    rows = [
        ("Tên nhiệm vụ", "Lĩnh vực", "Thời hạn", "Đơn vị"),
        ("Nhiệm vụ A", "Thể chế", "Quý III/2024", "48"),
    ]
    response = _upload(client, "tasks", csv_bytes(rows), check="Check only")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing was saved" in page
    assert "Assignments added: 1" in page
    assert count(app, Task) == 0 and count(app, Event, work_events()) == 0


def test_unreadable_files_and_missing_files_are_explained(client, login, world):
    login("admin@example.org")
    response = _upload(client, "units", b"%PDF-1.7 \xff\xfe", submit="Import")
    assert response.status_code == 422 and "Nothing was imported" in response.get_data(as_text=True)
    response = client.post("/imports/units", data={"submit": "Import"})
    assert response.status_code == 422 and "Choose a file to import." in response.get_data(
        as_text=True
    )


def test_user_import_queues_invitations_when_asked(app, client, login, world, smtp_server):
    point_at(app, smtp_server)
    login("admin@example.org")
    rows = [
        ("Email", "Họ và tên", "Vai trò", "Mã đơn vị"),
        ("new@example.org", "Người Mới", "Đầu mối", "48"),
    ]
    page = _upload(client, "users", csv_bytes(rows), invite="y", submit="Import").get_data(
        as_text=True
    )
    assert "Invitations queued, to be emailed in a moment: 1" in page
    assert smtp_server.messages == []
    assert deliver(app).sent == 1
    assert [m["To"] for m in smtp_server.messages] == ["Người Mới <new@example.org>"]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.org"))
        assert user.unit.code == "48"


def test_templates_download_with_vietnamese_headers(client, login, world):
    login("admin@example.org")
    response = client.get("/imports/tasks/template.csv")
    assert response.data.startswith("\ufeffTên nhiệm vụ,".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    xlsx = client.get("/imports/users/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert client.get("/imports/users/template.pdf").status_code == 404


def test_the_upload_form_needs_its_csrf_token(app, client, login, world):
    login("admin@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/imports/units").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert _upload(client, "units", csv_bytes(UNITS), submit="Import").status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = _upload(client, "units", csv_bytes(UNITS), submit="Import", csrf_token=token)
    assert response.status_code == 200 and count(app, Unit) == 3
