"""The API documentation page, /api/docs: Swagger UI from vendored files (no CDN) over
``/api/v1/openapi.json``, for signed-in users."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

bp = Blueprint("api_docs", __name__)


@bp.get("/api/docs")
def index():
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
