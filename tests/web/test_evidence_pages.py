"""Evidence through HTTP: uploads checked by content, downloads only for who may see them."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import (
    Assignment,
    Event,
    Evidence,
    EvidenceFile,
    UnitKind,
)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def world(build):
    return build(_world)


def _world(make):
    hanoi = make.unit(name="Thành phố Hà Nội", kind=UnitKind.CITY)
    hue = make.unit(name="Tỉnh Thừa Thiên Huế")
    task = make.task(
        title="Ban hành kế hoạch CĐS", deadline=date(2024, 7, 5), source_document="KH 2024"
    )
    ours = make.assignment(task, hanoi)
    theirs = make.assignment(task, hue, state="submitted", submitted_on=date(2024, 6, 20))
    evidence = Evidence(assignment_id=theirs.id, doc_number="9/BC-UBND", summary="Báo cáo Huế")
    evidence.files.append(
        EvidenceFile(filename="hue.pdf", stored_name="f" * 40, content_type="x", size=1, sha256="0")
    )
    db.session.add(evidence)
    db.session.flush()
    make.user("coordinator", email="dp@example.org", language="en", name="Điều phối")
    make.user("viewer", email="ld@example.org", language="en")
    make.user("focal_point", email="hn@example.org", unit_id=hanoi.id, language="en", name="Lan")
    make.user("focal_point", email="hue@example.org", unit_id=hue.id, language="en")
    return {"ours": ours.id, "theirs": theirs.id, "theirs_file": evidence.files[0].id}


def _state(app, assignment_id):
    with app.app_context():
        return db.session.get(Assignment, assignment_id).state


def _counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Event, Evidence, EvidenceFile)
        )


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def _upload_folder_files(app) -> list[str]:
    folder = app.config["UPLOAD_FOLDER"]
    return [f for _, _, files in os.walk(folder) for f in files]


def test_focal_point_reports_completion_with_files_and_downloads_them(app, client, login, world):
    login("hn@example.org")
    url = f"/assignments/{world['ours']}"
    response = client.post(
        f"{url}/submit",
        data={
            "version": "1",
            "doc_number": "123/KH-UBND",
            "doc_date": "28/06/2024",
            "signer": "Chủ tịch UBND",
            "summary": "Kế hoạch chuyển đổi số năm 2024",
            "files": [(io.BytesIO(PDF), "Kế hoạch.pdf"), (io.BytesIO(docx()), "phu-luc.docx")],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Completion was reported" in html and "Awaiting confirmation" in html
    assert "123/KH-UBND" in html and "28/06/2024" in html and "Kế hoạch.pdf" in html
    assert "Completion reported" in html and "Evidence added" in html  # the timeline
    links = re.findall(rf'href="({url}/files/\d+)"', html)
    assert len(links) == 2
    download = client.get(links[0])
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert (
        "filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch.pdf" in download.headers["Content-Disposition"]
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert _state(app, world["ours"]) == "submitted"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.pdf", PNG, "does not match its name"),
        ("bao-cao.docx", b"plain text pretending\n" * 10, "does not match its name"),
        ("virus.exe", b"MZ\x90\x00", "is not an accepted type"),
        ("<img src=x onerror=alert(1)>.pdf", PNG, "“&lt;img src=x onerror=alert(1)&gt;.pdf”"),
        ("lon.pdf", PDF + b"0" * 2048, "larger than the limit"),
    ],
)
def test_refused_files_store_nothing_and_show_why(
    app, client, login, world, name, content, message
):
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    login("hn@example.org")
    before = _counts(app)
    response = client.post(
        f"/assignments/{world['ours']}/submit",
        data={"version": "1", "doc_number": "1/BC", "files": [(io.BytesIO(content), name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "<img" not in html  # the uploaded name is escaped
    assert 'value="1/BC"' in html  # what was typed is kept
    assert _counts(app) == before
    assert _upload_folder_files(app) == []
    assert _state(app, world["ours"]) == "assigned"


def test_an_upload_beyond_the_request_limit_gets_the_translated_413_page(app, client, login, world):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    login("hn@example.org")
    response = client.post(
        f"/assignments/{world['ours']}/submit",
        data={"version": "1", "files": [(io.BytesIO(PDF + b"0" * 8192), "big.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "The upload is larger than allowed." in response.get_data(as_text=True)
    assert _upload_folder_files(app) == [] and _state(app, world["ours"]) == "assigned"


def test_files_are_served_only_under_their_own_assignment(client, login, world):
    theirs, file_id = world["theirs"], world["theirs_file"]
    login("hn@example.org")
    assert client.get(f"/assignments/{theirs}/files/{file_id}").status_code == 404
    # A file id of another unit's assignment under one's own assignment id: still not found.
    assert client.get(f"/assignments/{world['ours']}/files/{file_id}").status_code == 404
