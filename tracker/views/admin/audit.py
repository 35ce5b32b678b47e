"""Admin page for the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from tracker import clock
from tracker.exports import lists
from tracker.labels import DATA_KEY, EVENT_KIND
from tracker.services import paging
from tracker.services.admin import audit as admin_audit
from tracker.views import context, downloads, filters
from tracker.views.admin import actor, admins_only, int_arg

bp = Blueprint("admin_audit", __name__, url_prefix="/admin/audit")
bp.before_request(admins_only)


@bp.get("")
def index():
    audit_filters = admin_audit.AuditFilters(
        actor_id=int_arg("actor_id"),
        actor=filters.text("actor"),
        unit_id=int_arg("unit_id"),
        unit=filters.text("unit"),
        task_id=int_arg("task_id"),
        task=filters.text("task"),
        kind=filters.text("kind", 30),
        target=filters.text("target", 100),
        date_from=filters.day("date_from", _("From")),
        date_to=filters.day("date_to", _("To")),
    )
    query = admin_audit.audit_query(actor(), audit_filters, clock.tz())
    if fmt := downloads.requested():
        sheet = lists.audit_sheet(paging.export_rows(query))
        return downloads.export_response([sheet], fmt, "audit-log")
    page = context.paginate(query)
    return render_template(
        "admin/audit.html",
        page=page,
        filters=audit_filters,
        targets=admin_audit.target_labels(page.items),
        kind_labels=EVENT_KIND,
        data_keys=DATA_KEY,
    )
