"""Evidence files: checked by content, stored outside the static folder, served to readers only.

A file is accepted when its extension is one of ``Settings.evidence_types``, its size is
within ``Settings.evidence_max_bytes`` and its bytes are of the type its name says
(``filetype`` for the magic numbers; DOCX and XLSX also need the Office part their format
requires). Stored names are random: nothing the user typed ever becomes part of a path.
Messages that quote a file's name use eager ``gettext``: flask_babel's lazy strings reach
templates unescaped.
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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Assignment, Evidence, EvidenceFile, User
from tracker.services import access
from tracker.services.errors import InvalidInput, NotFound
from tracker.settings import Settings

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    """An evidence type: its MIME type, the extensions that name it, and a required zip part."""

    mime: str
    extensions: tuple[str, ...]
    zip_part: str | None = None


# Keys are the names ``Settings.evidence_types`` uses.
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


@dataclass(frozen=True)
class UploadRules:
    """What the evidence form tells the user: the ``accept`` list, the types, the limit."""

    accept: str
    types: str
    max_mb: str


@dataclass(frozen=True)
class Download:
    """A stored evidence file, as a download sends it."""

    path: str
    filename: str
    content_type: str


def path_of(stored_name: str, folder: str) -> str:
    """Return the absolute path of a stored file under the upload ``folder`` (a two-level
    fan-out keeps folders small)."""
    return os.path.join(folder, stored_name[:2], stored_name)


def allowed_types(names: Sequence[str]) -> dict[str, FileType]:
    """Return the evidence types ``names`` (``Settings.evidence_types``) name; an unknown name
    is a configuration error."""
    unknown = [n for n in names if n not in TYPES]
    if unknown:
        raise RuntimeError(f"EVIDENCE_TYPES has unknown types {unknown}; known: {sorted(TYPES)}")
    return {n: TYPES[n] for n in names}


def allowed_extensions(names: Sequence[str]) -> list[str]:
    """Return the file extensions accepted as evidence of the types ``names``."""
    return [ext for t in allowed_types(names).values() for ext in t.extensions]


def upload_rules(settings: Settings) -> UploadRules:
    """Return what the evidence form shows: accepted extensions and the size limit."""
    extensions = allowed_extensions(settings.evidence_types)
    return UploadRules(
        accept=",".join("." + e for e in extensions),
        types=", ".join(e.upper() for e in extensions),
        max_mb=megabytes(settings.evidence_max_bytes),
    )


def clean_filename(raw: str | None) -> str:
    """Return the last path component of an uploaded name, without control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 250 - len(ext)] + dot + ext if dot and len(ext) <= 10 else name[:255]
    return name


def store_all(uploads: Sequence[Upload], settings: Settings) -> list[StoredFile]:
    """Check and store every upload in ``settings.upload_folder``; on any refusal remove what
    was stored and raise."""
    stored: list[StoredFile] = []
    try:
        for upload in uploads:
            stored.append(_store(upload, settings))
    except BaseException:
        discard(stored, settings.upload_folder)
        raise
    return stored


def discard(stored: Sequence[StoredFile], folder: str) -> None:
    """Remove stored files (used when the database refuses what they belong to)."""
    for item in stored:
        _remove(path_of(item.stored_name, folder))


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _store(upload: Upload, settings: Settings) -> StoredFile:
    name = clean_filename(upload.filename)
    if not name:
        raise InvalidInput(_l("A file without a name was sent. Choose the file again."))
    kind = _type_named(name, settings.evidence_types)
    limit = settings.evidence_max_bytes
    stored_name = secrets.token_hex(20)
    path = path_of(stored_name, settings.upload_folder)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "xb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise InvalidInput(
                        _(
                            "“%(name)s” is larger than the limit of %(limit)s MB.",
                            name=name,
                            limit=megabytes(limit),
                        )
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput(_("“%(name)s” is empty.", name=name))
        if not _content_is(path, kind):
            raise InvalidInput(
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


def _type_named(name: str, names: Sequence[str]) -> FileType:
    """Return the allowed type the file's extension names, or refuse."""
    _stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot else ""
    for kind in allowed_types(names).values():
        if ext in kind.extensions:
            return kind
    raise InvalidInput(
        _(
            "“%(name)s” is not an accepted type. Accepted: %(types)s.",
            name=name,
            types=", ".join(e.upper() for e in allowed_extensions(names)),
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


def file_of(assignment: Assignment, file_id: int, folder: str) -> EvidenceFile:
    """Return the file if it belongs to ``assignment`` (already access-checked) and is on disk
    under ``folder``, else NotFound."""
    found = db.session.scalar(
        select(EvidenceFile)
        .join(EvidenceFile.evidence)
        .where(EvidenceFile.id == file_id, Evidence.assignment_id == assignment.id)
    )
    if found is None or not os.path.isfile(path_of(found.stored_name, folder)):
        raise NotFound(access.NOT_FOUND)
    return found


def download(actor: User, assignment_id: int, file_id: int, folder: str) -> Download:
    """Return an evidence file to send, only to users who may see its assignment."""
    assignment = access.visible_assignment(actor, assignment_id)
    stored = file_of(assignment, file_id, folder)
    return Download(path_of(stored.stored_name, folder), stored.filename, stored.content_type)
