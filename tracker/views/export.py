"""Sending report tables as file downloads: XLSX, or CSV (a zip of CSVs for several sheets)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _

from tracker.domain.text import fold
from tracker.services.errors import NotFound
from tracker.services.export import Sheet, sheet_titles, write_csv, write_xlsx

FORMATS = ("xlsx", "csv")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",  # Werkzeug adds "; charset=utf-8"
    "zip": "application/zip",
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9._-]+")


def file_stem(name: str) -> str:
    """Return ``name`` usable as a file name on every system: NFC, without path separators,
    quotes or control characters (each run becomes "-"), at most 120 characters."""
    cleaned = _UNSAFE.sub("-", unicodedata.normalize("NFC", name)).strip(" .-")
    return cleaned[:120].rstrip(" .-") or "export"


def content_disposition(filename: str) -> str:
    """Return an attachment header naming ``filename``: the exact name as RFC 5987
    ``filename*`` (UTF-8) and, for old clients, a folded ASCII ``filename``."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    ascii_stem = _NOT_ASCII_WORD.sub("-", fold(stem)).strip("-.") or "export"
    fallback = ascii_stem + (f".{_NOT_ASCII_WORD.sub('', extension.lower())}" if dot else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def export_response(sheets: Sequence[Sheet], fmt: str | None, filename: str) -> Response:
    """Return a download of the sheets in ``fmt`` ("xlsx" or "csv") named ``filename`` plus
    the extension; CSV holds one sheet, so several sheets in CSV come as a zip with one
    CSV per sheet. Raises NotFound (a 404 in words) for any other format."""
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise NotFound(_("This export format is not available; choose XLSX or CSV."))
    stem = file_stem(filename)
    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(sheets, buffer)
        name, mimetype = f"{stem}.xlsx", MIMETYPES["xlsx"]
    elif len(sheets) == 1:
        write_csv(sheets[0], buffer)
        name, mimetype = f"{stem}.csv", MIMETYPES["csv"]
    else:
        _write_zip(sheets, buffer)
        name, mimetype = f"{stem}.zip", MIMETYPES["zip"]
    response = Response(buffer.getvalue(), mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name)
    # Reports can name units and people: never keep them in a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _write_zip(sheets: Sequence[Sheet], stream: io.BytesIO) -> None:
    """Write one CSV per sheet into a zip, named after the (sanitised, unique) sheet titles."""
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet, title in zip(sheets, sheet_titles(s.title for s in sheets), strict=True):
            part = io.BytesIO()
            write_csv(sheet, part)
            archive.writestr(f"{file_stem(title)}.csv", part.getvalue())
