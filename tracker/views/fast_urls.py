"""``url_for`` for templates, building each endpoint's address once.

A list page links every row (a task page: an assignment, a download and three forms per
unit), and Werkzeug matches its rules anew for each link. Here the first link to an
endpoint with the same argument names is built by Flask's ``url_for`` with placeholder
numbers, which become a format pattern; the next ones fill the pattern in. Only links whose
values are all non-negative integers (ids, page numbers) take that way, the ones a
converter writes as ``str(value)``; anything else (text, ``_external``, ``_anchor``, no
request) goes to Flask's ``url_for`` as before.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask import url_for as flask_url_for

# Placeholders: below 2**31, so that routes limited to the database's integers accept them,
# and long enough that no route's fixed text holds one.
_PLACEHOLDER = 1_000_000_007
_patterns: dict[tuple, str | None] = {}


def url_for(endpoint: str, **values) -> str:
    """Return what ``flask.url_for(endpoint, **values)`` returns, from the endpoint's kept
    pattern when ``values`` are all non-negative integers."""
    if not has_request_context() or not all(
        type(value) is int and value >= 0 for value in values.values()
    ):
        return flask_url_for(endpoint, **values)
    key = (
        endpoint,
        request.blueprint if endpoint.startswith(".") else None,
        request.script_root,
        tuple(values),
    )
    pattern = _patterns.get(key, "")
    if pattern == "":
        pattern = _patterns[key] = _pattern(endpoint, tuple(values))
    if pattern is None:
        return flask_url_for(endpoint, **values)
    return pattern.format(*values.values())


def _pattern(endpoint: str, names: tuple[str, ...]) -> str | None:
    """Return the format pattern of the endpoint's address with ``names`` in order, or None
    when Flask's own address cannot be told from it (a placeholder not found once)."""
    built = flask_url_for(endpoint, **{n: _PLACEHOLDER + i for i, n in enumerate(names)})
    pattern = built.replace("{", "{{").replace("}", "}}")
    for i in range(len(names)):
        placeholder = str(_PLACEHOLDER + i)
        if pattern.count(placeholder) != 1:
            return None
        pattern = pattern.replace(placeholder, "{" + str(i) + "}")
    return pattern


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = url_for
