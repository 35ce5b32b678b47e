"""Admin page for the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from tracker import clock
from tracker.exports import lists
from tracker.labels import DATA_KEY, EVENT_KIND
from tracker.services.admin import audit as admin_audit
from tracker.views import context, downloads, filters
from tracker.views.admin.guard import actor, admins_only, int_arg

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
    if fmt := downloads.requested():
        rows = admin_audit.audit_rows(actor(), audit_filters, clock.tz())
        return downloads.export_response([lists.audit_sheet(rows)], fmt, "audit-log")
    audit = admin_audit.audit_page(
        actor(), audit_filters, clock.tz(), context.page_number(), context.per_page()
    )
    return render_template(
        "admin/audit.html",
        page=audit.page,
        filters=audit_filters,
        targets=audit.targets,
        kind_labels=EVENT_KIND,
        data_keys=DATA_KEY,
    )
