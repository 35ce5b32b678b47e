"""Import pages: upload a CSV or XLSX file of units, users or tasks; check it or import it."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock, settings
from tracker.forms.imports import ImportForm
from tracker.i18n import format_number
from tracker.services.errors import ServiceError
from tracker.services.imports import importing, jobs
from tracker.services.imports.samples import template_csv, template_xlsx

bp = Blueprint("imports", __name__, url_prefix="/imports")

TITLE = {
    "units": _l("Import units"),
    "users": _l("Import users"),
    "tasks": _l("Import tasks"),
}
TEMPLATES = {
    "csv": (template_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        template_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


@bp.before_request
def _importers_only():
    # Sign-in is enforced app-wide; coordinators import tasks, admins everything.
    if not current_user.is_coordinator:
        abort(403)


def _kinds() -> list[str]:
    return [kind for kind in importing.KINDS if importing.may_import(current_user, kind)]


def _allowed(kind: str) -> None:
    if kind not in importing.KINDS:
        abort(404)
    if not importing.may_import(current_user, kind):
        abort(403)


@bp.get("/")
def index():
    kinds = _kinds()
    if len(kinds) == 1:
        return redirect(url_for("imports.page", kind=kinds[0]))
    return render_template("imports/index.html", kinds=kinds, titles=TITLE)


@bp.route("/<kind>", methods=["GET", "POST"])
def page(kind: str):
    _allowed(kind)
    form = ImportForm()
    result, problem, status = None, None, 200
    if form.validate_on_submit():
        current = settings.current()
        # One byte over the limit is enough for the service to refuse the file.
        data = form.file.data.stream.read(current.import_max_bytes + 1)
        asked = {
            "actor": current_user._get_current_object(),
            "now": clock.now(),
            "settings": current,
            "dry_run": bool(form.check.data),
            "invite": kind == "users" and bool(form.invite.data),
        }
        try:
            job = jobs.queue_if_large(kind, data, file_name=form.file.data.filename or "", **asked)
            if job is not None:
                return redirect(url_for("imports.job", job_id=job.id), 303)
            result = importing.run_import(kind, data, **asked)
        except ServiceError as error:
            problem = error.message
        if problem or not result.ok:
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template(
        "imports/page.html",
        kind=kind,
        title=TITLE[kind],
        kinds=_kinds(),
        titles=TITLE,
        columns=importing.columns_of(kind),
        form=form,
        result=result,
        problem=problem,
        shown=jobs.KEPT_NAMES,
        jobs=jobs.recent(current_user._get_current_object()),
    ), status


@bp.get("/jobs/<int:job_id>")
def job(job_id: int):
    found = jobs.visible(current_user._get_current_object(), job_id)
    progress = jobs.progress_of(found)
    return render_template(
        "imports/job.html",
        job=found,
        progress=progress,
        result=StoredResult(found.result) if found.result else None,
        kind=found.kind,
        title=TITLE[found.kind],
        shown=jobs.KEPT_NAMES,
        interrupted=jobs.INTERRUPTED,
        label=progress_label(progress),
    )


@bp.get("/jobs/<int:job_id>.json")
def job_progress(job_id: int):
    progress = jobs.progress_of(jobs.visible(current_user._get_current_object(), job_id))
    response = jsonify(
        state=progress.state,
        stage=progress.stage,
        rows_done=progress.rows_done,
        rows_total=progress.rows_total,
        percent=progress.percent,
        label=str(progress_label(progress)),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def progress_label(progress: jobs.Progress) -> str:
    """Return the words under the progress bar."""
    if progress.state in ("done", "failed"):
        return _("Finished.")
    if progress.state == "queued":
        return _("Waiting for its turn…")
    if progress.stage == "reading":
        return _(
            "Reading the rows: %(done)s of about %(total)s…",
            done=format_number(progress.rows_done),
            total=format_number(progress.rows_total),
        )
    if progress.stage == "checking":
        return _("Checking %(rows)s rows…", rows=format_number(progress.rows_done))
    if progress.stage == "writing":
        return _("Saving %(rows)s rows…", rows=format_number(progress.rows_done))
    return _("Starting…")


class StoredResult:
    """A background import's kept result, read as the page reads an ``ImportResult``."""

    def __init__(self, kept: dict) -> None:
        self.dry_run = kept["dry_run"]
        self.created, self.updated = kept["created"], kept["updated"]
        self.created_total, self.updated_total = kept["created_total"], kept["updated_total"]
        self.unchanged, self.assignments = kept["unchanged"], kept["assignments"]
        self.invited = kept["invited"]
        self.errors = [SimpleNamespace(**error) for error in kept["errors"]]
        self.errors_total = kept["errors_total"]
        self.ok = not self.errors_total
        self.changes = bool(self.created_total or self.updated_total or self.assignments)


@bp.get("/<kind>/template.<fmt>")
def template(kind: str, fmt: str):
    _allowed(kind)
    if fmt not in TEMPLATES:
        abort(404)
    build, mimetype = TEMPLATES[fmt]
    response = Response(build(kind), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="import-{kind}.{fmt}"'
    return response
