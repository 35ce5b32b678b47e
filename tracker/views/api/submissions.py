"""Reporting completion through the API, with its evidence (the output document's number,
date, signer and summary, and files), and downloading the evidence files: the assignment
page's form and download, by the same services and rules (types, sizes, who may)."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_login import current_user

from tracker import clock, settings
from tracker.services.assignments import evidence, workflow
from tracker.services.errors import NotFound
from tracker.views import downloads
from tracker.views.api.acting import (
    DOCUMENT_RANGE,
    ERRORS_WRITE,
    ETAG_HEADER,
    FIRST_DOCUMENT,
    IF_MATCH,
    LAST_DOCUMENT,
    day_field,
    text_field,
)
from tracker.views.api.assignment_actions import act
from tracker.views.api.common import IDEMPOTENCY_KEY, idempotent, problem
from tracker.views.api.errors_doc import documented
from tracker.views.api.resources import AssignmentDetail, assignments

FILES = "files"


class SubmitArgs(ma.Schema):
    doc_number = text_field(
        max_length=workflow.DOC_NUMBER_MAX,
        required=False,
        metadata={"description": "The output document's number (số ký hiệu), e.g. 1234/QĐ-UBND."},
    )
    doc_date = day_field(FIRST_DOCUMENT, LAST_DOCUMENT, DOCUMENT_RANGE)  # left out: none
    signer = text_field(max_length=workflow.SIGNER_MAX, required=False)
    summary = text_field(required=False, metadata={"description": "Trích yếu."})
    # Documented here; read from the request's files (``request.files``), never its fields.
    files = ma.fields.List(
        ma.fields.Raw(metadata={"type": "string", "format": "binary"}),
        metadata={
            "description": "Evidence files, each of an accepted type (PDF, DOCX, XLSX, PNG, "
            "JPG by default) and within the size limit (20 MB by default); give the "
            "document's number, files, or both."
        },
    )


def _uploads() -> list:
    """Return the files sent (a part without a file name is no file: browsers send one
    for an empty file input)."""
    return [f for f in request.files.getlist(FILES) if f.filename]


@assignments.route("/<int(max=2147483647):assignment_id>/submit", methods=["POST"])
@idempotent
@assignments.doc(parameters=[IF_MATCH, IDEMPOTENCY_KEY])
@assignments.arguments(SubmitArgs, location="form", content_type="multipart/form-data")
@assignments.response(200, AssignmentDetail, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_WRITE, 413)
def submit_assignment(args, assignment_id: int):
    """Report completion with its evidence (the unit's focal point): a multipart form of the
    document's number, date, signer and summary and the files (``files``, repeated). Files
    are checked by their content as on the page; a refused report stores nothing."""
    return act(
        assignment_id,
        lambda version: workflow.submit_completion(
            assignment_id,
            current_user,
            clock.now(),
            version,
            doc_number=args["doc_number"],
            doc_date=args.get("doc_date"),
            signer=args["signer"],
            summary=args["summary"],
            files=_uploads(),
            settings=settings.current(),
        ),
    )


def _download_content() -> dict:
    types = evidence.allowed_types(list(evidence.TYPES))
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {kind.mime: binary for kind in types.values()}


@assignments.route("/<int(max=2147483647):assignment_id>/evidence/<int(max=2147483647):file_id>")
@assignments.doc(
    responses={"200": {"description": "The file, as uploaded.", "content": _download_content()}}
)
@documented(assignments, 400, 401, 403, 404, 429)
def download_evidence(assignment_id: int, file_id: int):
    """One evidence file, to whoever may read its assignment (as the page's download)."""
    try:
        stored = evidence.download(
            current_user, assignment_id, file_id, settings.current().upload_folder
        )
    except NotFound:
        return problem(404)
    return downloads.evidence_file(stored)
