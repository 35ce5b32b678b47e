"""Links to the current page with some query arguments changed (filters kept)."""

from __future__ import annotations

from flask import request, url_for


def url_with(**changes) -> str:
    """Return the current page's URL with some query arguments changed (None drops one),
    keeping every other filter, repeated ones included."""
    # A query argument named like a part of the path (``?task_id=``) or like url_for's own
    # options (``?_scheme=``) is none of ours: the path's values win, the options are dropped.
    values = {
        name: value
        for name, value in request.args.to_dict(flat=False).items()
        if not name.startswith("_")
    }
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return url_for(request.endpoint, **{**values, **(request.view_args or {})})


def page_url(page: int) -> str:
    """Return the current URL with ``page`` replaced, keeping every filter."""
    return url_with(page=page)
