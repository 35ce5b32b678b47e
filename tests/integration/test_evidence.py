"""Evidence files: checked by content, stored under random names, removed when refused."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Assignment, Evidence, EvidenceFile
from tracker.services.assignments import evidence
from tracker.services.assignments import workflow as assignments
from tracker.services.errors import NotFound, ServiceError
from tracker.settings import Settings

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)


@dataclass
class Upload:
    filename: str
    stream: io.BytesIO


def office(part: str, extra: bytes = b"") -> bytes:
    """Return a minimal Office Open XML package with ``part`` (e.g. word/document.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<document/>" + extra.decode())
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
DOCX = office("word/document.xml")
XLSX = office("xl/workbook.xml")


def upload(name: str, content: bytes) -> Upload:
    return Upload(name, io.BytesIO(content))


def stored_files(settings) -> list[str]:
    folder = settings.upload_folder
    return [os.path.join(d, f) for d, _, files in os.walk(folder) for f in files]


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("Quyết định 123.pdf", PDF, "application/pdf"),
        ("anh.PNG", PNG, "image/png"),
        ("anh.jpg", JPEG, "image/jpeg"),
        ("anh.jpeg", JPEG, "image/jpeg"),
        ("bao-cao.docx", DOCX, evidence.TYPES["docx"].mime),
        ("so-lieu.xlsx", XLSX, evidence.TYPES["xlsx"].mime),
    ],
)
def test_accepted_types_are_stored_with_size_and_hash(ctx, settings, name, content, mime):
    (item,) = evidence.store_all([upload(name, content)], settings)
    assert (item.filename, item.content_type, item.size) == (name, mime, len(content))
    path = evidence.path_of(item.stored_name, settings.upload_folder)
    with open(path, "rb") as f:
        assert f.read() == content
    assert name not in path and item.stored_name.isalnum()
    assert os.path.realpath(path).startswith(os.path.realpath(current_app.config["UPLOAD_FOLDER"]))
    assert "static" not in path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.pdf", PNG, "not a real PDF file"),
        ("bao-cao.docx", b"Just some plain text, not a document.\n" * 5, "not a real DOCX file"),
        ("bao-cao.docx", office("xl/workbook.xml"), "not a real DOCX file"),
        ("so-lieu.xlsx", DOCX, "not a real XLSX file"),
        ("anh.png", JPEG, "not a real PNG file"),
        ("chuong-trinh.exe", b"MZ\x90\x00", "is not an accepted type"),
        ("ghi-chu.txt", b"hello", "is not an accepted type"),
        ("khong-duoi", PDF, "is not an accepted type"),
        ("rong.pdf", b"", "is empty"),
    ],
)
def test_wrong_or_mismatched_files_are_refused_and_nothing_stays_on_disk(
    ctx, settings, name, content, message
):
    with pytest.raises(ServiceError, match=message):
        evidence.store_all([upload("tot.pdf", PDF), upload(name, content)], settings)
    assert stored_files(settings) == []


def test_oversize_file_is_refused_with_the_limit_in_the_message(ctx, settings):
    settings = replace(settings, evidence_max_bytes=1024 * 1024)
    with pytest.raises(ServiceError, match="larger than the limit of 1 MB"):
        evidence.store_all([upload("lon.pdf", PDF + b"0" * (1024 * 1024))], settings)
    assert stored_files(settings) == []
    (ok,) = evidence.store_all([upload("vua.pdf", PDF + b"0" * (1024 * 1024 - len(PDF)))], settings)
    assert ok.size == 1024 * 1024


def test_a_path_in_the_uploaded_name_is_dropped(ctx, settings):
    (item,) = evidence.store_all([upload("..\\..\\windows\\bao cao.pdf", PDF)], settings)
    assert item.filename == "bao cao.pdf"
    (item,) = evidence.store_all([upload("../../etc/passwd.pdf", PDF)], settings)
    assert item.filename == "passwd.pdf"


@pytest.fixture
def submission(make, settings):
    unit = make.unit()
    task = make.task(deadline=date(2024, 7, 5))
    return {
        "a": make.assignment(task, unit),
        "b": make.assignment(make.task(), unit),
        "focal": make.user("focal_point", unit_id=unit.id),
        "settings": settings,
    }


def _submit(s, files, assignment="a"):
    return assignments.submit_completion(
        s[assignment].id, s["focal"], NOW, 1, "", None, "", "", files, settings=s["settings"]
    )


def test_submission_with_files_records_each_file(submission):
    _submit(submission, [upload("a.pdf", PDF), upload("b.xlsx", XLSX)])
    db.session.expire_all()
    files = list(db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))
    assert [f.filename for f in files] == ["a.pdf", "b.xlsx"]
    folder = submission["settings"].upload_folder
    assert all(os.path.isfile(evidence.path_of(f.stored_name, folder)) for f in files)
    assert len({f.sha256 for f in files}) == 2


def test_a_refused_file_stores_nothing_and_changes_nothing(submission):
    with pytest.raises(ServiceError):
        _submit(submission, [upload("a.pdf", PDF), upload("b.pdf", PNG)])
    assert stored_files(submission["settings"]) == []
    assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    assert db.session.get(Assignment, submission["a"].id).state == "assigned"


def test_files_are_removed_when_the_database_refuses(submission, monkeypatch):
    def failing_commit():
        raise RuntimeError("database gone")

    monkeypatch.setattr(assignments, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        _submit(submission, [upload("a.pdf", PDF)])
    assert stored_files(submission["settings"]) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_file_is_found_only_under_its_own_assignment(submission):
    _submit(submission, [upload("a.pdf", PDF)])
    file_id = db.session.scalar(select(EvidenceFile.id))
    a, b = (db.session.get(Assignment, submission[k].id) for k in ("a", "b"))
    folder = submission["settings"].upload_folder
    assert evidence.file_of(a, file_id, folder).filename == "a.pdf"
    with pytest.raises(NotFound):
        evidence.file_of(b, file_id, folder)
    with pytest.raises(NotFound):
        evidence.file_of(a, file_id + 1000, folder)


@pytest.mark.parametrize(
    ("configured", "expected"),
    [(None, "uploads"), ("evidence", "evidence"), ("/srv/tracker/files", "/srv/tracker/files")],
)
def test_the_upload_folder_defaults_to_and_resolves_from_the_instance_folder(
    ctx, configured, expected
):
    current_app.config["UPLOAD_FOLDER"] = configured
    settings = Settings.from_config(current_app.config, current_app.instance_path)
    assert settings.upload_folder == os.path.join(current_app.instance_path, expected)


def test_an_unknown_configured_type_is_an_error(ctx, settings):
    with pytest.raises(RuntimeError, match="exe"):
        evidence.store_all([upload("a.pdf", PDF)], replace(settings, evidence_types=("pdf", "exe")))
