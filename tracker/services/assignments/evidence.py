"""Evidence files: checked by content, stored outside the static folder, served to readers only.

A file is accepted when its extension is an allowed type, its size is within
``EVIDENCE_MAX_BYTES`` and its bytes are of the type its name says (``filetype`` for the
magic numbers; DOCX and XLSX also need the Office part their format requires). Stored
names are random: nothing the user typed ever becomes part of a path. Messages that quote
a file's name use eager ``gettext``: flask_babel's lazy strings reach templates unescaped.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, Protocol

import filetype
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Assignment, Evidence, EvidenceFile
from tracker.services.access import NOT_FOUND
from tracker.services.errors import NotFound, ServiceError

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    """An evidence type: its MIME type, the extensions that name it, and a required zip part."""

    mime: str
    extensions: tuple[str, ...]
    zip_part: str | None = None


# Keys are the names EVIDENCE_TYPES uses.
TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", ("pdf",)),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
        "word/document.xml",
    ),
    "xlsx": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ("xlsx",),
        "xl/workbook.xml",
    ),
    "png": FileType("image/png", ("png",)),
    "jpeg": FileType("image/jpeg", ("jpg", "jpeg")),
}


class Upload(Protocol):
    """What a submitted file offers (werkzeug's ``FileStorage`` fits)."""

    filename: str | None
    stream: BinaryIO


@dataclass(frozen=True)
class StoredFile:
    """A file written to the upload folder, not yet recorded in the database."""

    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def upload_folder() -> str:
    """Return the folder evidence is stored in: ``UPLOAD_FOLDER`` (relative to the instance
    folder unless absolute), else ``<instance>/uploads``."""
    configured = current_app.config.get("UPLOAD_FOLDER") or "uploads"
    return os.path.join(current_app.instance_path, configured)


def path_of(stored_name: str) -> str:
    """Return the absolute path of a stored file (two-level fan-out keeps folders small)."""
    return os.path.join(upload_folder(), stored_name[:2], stored_name)


def allowed_types() -> dict[str, FileType]:
    """Return the configured evidence types; an unknown name in the configuration is an error."""
    names = current_app.config["EVIDENCE_TYPES"]
    unknown = [n for n in names if n not in TYPES]
    if unknown:
        raise RuntimeError(f"EVIDENCE_TYPES has unknown types {unknown}; known: {sorted(TYPES)}")
    return {n: TYPES[n] for n in names}


def allowed_extensions() -> list[str]:
    """Return the file extensions accepted as evidence (for the form's ``accept`` and help)."""
    return [ext for t in allowed_types().values() for ext in t.extensions]


def max_bytes() -> int:
    return int(current_app.config["EVIDENCE_MAX_BYTES"])


def clean_filename(raw: str | None) -> str:
    """Return the last path component of an uploaded name, without control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 250 - len(ext)] + dot + ext if dot and len(ext) <= 10 else name[:255]
    return name


def store_all(uploads: Sequence[Upload]) -> list[StoredFile]:
    """Check and store every upload; on any refusal remove what was stored and raise."""
    stored: list[StoredFile] = []
    try:
        for upload in uploads:
            stored.append(_store(upload))
    except BaseException:
        discard(stored)
        raise
    return stored


def discard(stored: Sequence[StoredFile]) -> None:
    """Remove stored files (used when the database refuses what they belong to)."""
    for item in stored:
        _remove(path_of(item.stored_name))


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _store(upload: Upload) -> StoredFile:
    name = clean_filename(upload.filename)
    if not name:
        raise ServiceError(_l("A file without a name was sent. Choose the file again."))
    kind = _type_named(name)
    limit = max_bytes()
    stored_name = secrets.token_hex(20)
    path = path_of(stored_name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "xb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ServiceError(
                        _(
                            "“%(name)s” is larger than the limit of %(limit)s MB.",
                            name=name,
                            limit=megabytes(limit),
                        )
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ServiceError(_("“%(name)s” is empty.", name=name))
        if not _content_is(path, kind):
            raise ServiceError(
                _(
                    "The content of “%(name)s” does not match its name: it is not a real "
                    "%(type)s file. Nothing was saved.",
                    name=name,
                    type=kind.extensions[0].upper(),
                )
            )
    except BaseException:
        _remove(path)
        raise
    return StoredFile(name, stored_name, kind.mime, size, digest.hexdigest())


def megabytes(limit: int) -> str:
    """Return a byte count as megabytes for messages ("20", "0.50")."""
    value = limit / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"


def _type_named(name: str) -> FileType:
    """Return the allowed type the file's extension names, or refuse."""
    _stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot else ""
    for kind in allowed_types().values():
        if ext in kind.extensions:
            return kind
    raise ServiceError(
        _(
            "“%(name)s” is not an accepted type. Accepted: %(types)s.",
            name=name,
            types=", ".join(e.upper() for e in allowed_extensions()),
        )
    )


def _content_is(path: str, kind: FileType) -> bool:
    """Return whether the stored bytes really are of ``kind``."""
    guess = filetype.guess(path)
    detected = guess.mime if guess is not None else None
    if kind.zip_part is None:
        return detected == kind.mime
    # filetype only looks at the first entries of a zip; Office files written by other
    # programs may order them differently, so the archive's directory decides.
    if detected not in (kind.mime, "application/zip"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names and kind.zip_part in names


def records(stored: Sequence[StoredFile]) -> list[EvidenceFile]:
    """Return (unsaved) database rows for stored files."""
    return [
        EvidenceFile(
            filename=s.filename,
            stored_name=s.stored_name,
            content_type=s.content_type,
            size=s.size,
            sha256=s.sha256,
        )
        for s in stored
    ]


def file_of(assignment: Assignment, file_id: int) -> EvidenceFile:
    """Return the file if it belongs to ``assignment`` (already access-checked), else NotFound."""
    found = db.session.scalar(
        select(EvidenceFile)
        .join(EvidenceFile.evidence)
        .where(EvidenceFile.id == file_id, Evidence.assignment_id == assignment.id)
    )
    if found is None or not os.path.isfile(path_of(found.stored_name)):
        raise NotFound(NOT_FOUND)
    return found
