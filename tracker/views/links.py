"""Links to the current page with some query arguments changed (filters kept)."""

from __future__ import annotations

from flask import request, url_for


def url_with(**changes) -> str:
    """Return the current page's URL with some query arguments changed (None drops one),
    keeping every other filter, repeated ones included."""
    values = request.args.to_dict(flat=False)
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return url_for(request.endpoint, **(request.view_args or {}), **values)


def page_url(page: int) -> str:
    """Return the current URL with ``page`` replaced, keeping every filter."""
    return url_with(page=page)
