"""Evidence through HTTP: uploads checked by content, downloads only for who may see them."""

from __future__ import annotations

import io
import re

import pytest
from support.assignments import PDF, PNG, assignment_world, docx
from support.assignments import counts as _counts
from support.assignments import state as _state
from support.assignments import upload_folder_files as _upload_folder_files


@pytest.fixture
def world(build):
    return build(assignment_world)


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


def test_text_in_the_files_field_is_no_file_and_no_error(app, client, login, world):
    """A hand-made request sends text where files go: no file is attached, and without a
    document number the report is refused with the form's message (it was a 500)."""
    login("hn@example.org")
    before = _counts(app)
    response = client.post(
        f"/assignments/{world['ours']}/submit", data={"version": "1", "files": "y"}
    )
    assert response.status_code == 422
    assert "attach at least one file" in response.get_data(as_text=True)
    assert _counts(app) == before
    assert _state(app, world["ours"]) == "assigned"
