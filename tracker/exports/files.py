"""Sheets as one downloadable file: XLSX, or CSV (a zip of CSVs for several sheets)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from tracker.exports.writers import Sheet, sheet_titles, write_csv, write_xlsx
from tracker.services.errors import NotFound

FORMATS = ("xlsx", "csv")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",  # Werkzeug adds "; charset=utf-8"
    "zip": "application/zip",
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass(frozen=True)
class ExportFile:
    """A file ready to send or save: its bytes, its name (with extension), its type."""

    content: bytes
    name: str
    mimetype: str


def file_stem(name: str) -> str:
    """Return ``name`` usable as a file name on every system: NFC, without path separators,
    quotes or control characters (each run becomes "-"), at most 120 characters."""
    cleaned = _UNSAFE.sub("-", unicodedata.normalize("NFC", name)).strip(" .-")
    return cleaned[:120].rstrip(" .-") or "export"


def export_file(
    sheets: Sequence[Sheet], fmt: str | None, filename: str, *, zone: ZoneInfo
) -> ExportFile:
    """Return the sheets in ``fmt`` ("xlsx" or "csv") named ``filename`` plus the extension;
    CSV holds one sheet, so several sheets in CSV come as a zip with one CSV per sheet.
    Instants in date columns are dated in ``zone``. Raises NotFound (a 404 in words) for any
    other format."""
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise NotFound(_("This export format is not available; choose XLSX or CSV."))
    stem = file_stem(filename)
    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(sheets, buffer, zone=zone)
        name, mimetype = f"{stem}.xlsx", MIMETYPES["xlsx"]
    elif len(sheets) == 1:
        write_csv(sheets[0], buffer, zone=zone)
        name, mimetype = f"{stem}.csv", MIMETYPES["csv"]
    else:
        _write_zip(sheets, buffer, zone)
        name, mimetype = f"{stem}.zip", MIMETYPES["zip"]
    return ExportFile(buffer.getvalue(), name, mimetype)


def _write_zip(sheets: Sequence[Sheet], stream: io.BytesIO, zone: ZoneInfo) -> None:
    """Write one CSV per sheet into a zip, named after the (sanitised, unique) sheet titles."""
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet, title in zip(sheets, sheet_titles(s.title for s in sheets), strict=True):
            part = io.BytesIO()
            write_csv(sheet, part, zone=zone)
            archive.writestr(f"{file_stem(title)}.csv", part.getvalue())
