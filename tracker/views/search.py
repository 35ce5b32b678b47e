"""The search box's results page: every group at once, or one group page by page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from tracker.domain.search import QUERY_MAX
from tracker.services.search import results as search
from tracker.views import context, filters

bp = Blueprint("search", __name__)


@bp.get("/search")
def index():
    q = filters.text("q", QUERY_MAX) or ""
    scope = context.unit_scope()
    group = filters.choice("group", search.searchable_groups(current_user, scope))
    if group and q:
        page = search.search_group(
            q,
            group,
            actor=current_user,
            unit_scope=scope,
            page=context.page_number(),
            per_page=context.per_page(),
        )
        if page is not None:
            return render_template("search/group.html", q=q, group=group, page=page)
    found = search.search(q, actor=current_user, unit_scope=scope)
    return render_template("search/index.html", q=q, results=found, min_length=search.MIN_LENGTH)
