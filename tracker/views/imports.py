"""Import pages: upload a CSV or XLSX file of units, users or tasks; check it or import it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock, settings
from tracker.forms.imports import ImportForm
from tracker.services.errors import ServiceError
from tracker.services.imports import importing
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
        try:
            result = importing.run_import(
                kind,
                data,
                actor=current_user._get_current_object(),
                now=clock.now(),
                settings=current,
                dry_run=bool(form.check.data),
                invite=kind == "users" and bool(form.invite.data),
            )
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
        shown=100,
    ), status


@bp.get("/<kind>/template.<fmt>")
def template(kind: str, fmt: str):
    _allowed(kind)
    if fmt not in TEMPLATES:
        abort(404)
    build, mimetype = TEMPLATES[fmt]
    response = Response(build(kind), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="import-{kind}.{fmt}"'
    return response
