"""Admin page for the audit log."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from tracker import clock
from tracker.services import admin_audit
from tracker.views import context, filters, list_exports
from tracker.views.admin import actor, bp, int_arg
from tracker.views.admin.labels import DATA_KEY
from tracker.views.timeline import EVENT_KIND


@bp.get("/audit")
def audit():
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
    if fmt := list_exports.requested():
        return list_exports.audit(query, fmt)
    page = context.paginate(query)
    return render_template(
        "admin/audit.html",
        page=page,
        filters=audit_filters,
        targets=admin_audit.target_labels(page.items),
        kind_labels=EVENT_KIND,
        data_keys=DATA_KEY,
    )
