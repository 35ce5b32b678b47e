"""Sending files: report and list exports as downloads, and the buttons that ask for them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from flask import Response, render_template, request, send_file
from markupsafe import Markup

from tracker import clock
from tracker.domain.official import Letterhead
from tracker.domain.text import fold
from tracker.exports.files import ExportFile, export_file, file_stem
from tracker.exports.official.document import OfficialReport
from tracker.exports.official.writer import MIMETYPE as DOCX_MIMETYPE
from tracker.exports.official.writer import write_official_docx
from tracker.exports.writers import Sheet
from tracker.views.links import url_with

_NOT_ASCII_WORD = re.compile(r"[^a-z0-9._-]+")


def requested() -> str | None:
    """Return the export format the query string asks for, if any."""
    return request.args.get("format") or None


def content_disposition(filename: str) -> str:
    """Return an attachment header naming ``filename``: the exact name as RFC 5987
    ``filename*`` (UTF-8) and, for old clients, a folded ASCII ``filename``."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    ascii_stem = _NOT_ASCII_WORD.sub("-", fold(stem)).strip("-.") or "export"
    fallback = ascii_stem + (f".{_NOT_ASCII_WORD.sub('', extension.lower())}" if dot else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def send(file: ExportFile) -> Response:
    """Return ``file`` as an attachment that no shared cache keeps (reports name people)."""
    response = Response(file.content, mimetype=file.mimetype)
    response.headers["Content-Disposition"] = content_disposition(file.name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_document(report: OfficialReport, letterhead: Letterhead, filename: str) -> Response:
    """Return ``report`` as a DOCX download named ``filename`` plus ".docx"."""
    content = write_official_docx(report, letterhead)
    return send(ExportFile(content, f"{file_stem(filename)}.docx", DOCX_MIMETYPE))


def export_response(sheets: Sequence[Sheet], fmt: str | None, filename: str) -> Response:
    """Return a download of the sheets in ``fmt`` (see ``exports.files.export_file``)."""
    return send(export_file(sheets, fmt, filename, zone=clock.tz()))


def buttons() -> Markup:
    """Return the two download links for the current list, keeping its filters."""
    links = {fmt: url_with(format=fmt, page=None) for fmt in ("xlsx", "csv")}
    return Markup(render_template("_export_buttons.html", links=links))


def evidence_file(stored) -> Response:
    """Send a stored evidence file (``evidence.download``'s answer) as a download that no
    browser sniffs into a page and no shared cache keeps."""
    response = send_file(
        stored.path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
