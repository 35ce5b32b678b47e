"""Templates' ``url_for`` builds the same addresses as Flask's, for every route."""

from __future__ import annotations

import pytest
from flask import url_for as flask_url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from tracker.views.fast_urls import url_for


def _int_routes(app):
    """Return (endpoint, argument names) of every route whose arguments are all integers."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods and "POST" not in rule.methods:
            continue
        if all(isinstance(rule._converters[name], IntegerConverter) for name in rule.arguments):
            found.append((rule.endpoint, tuple(sorted(rule.arguments))))
    return found


@pytest.fixture(params=["", "/tracker"], ids=["at the root", "under a prefix"])
def prefix(request):
    return request.param


numbers = st.integers(min_value=0, max_value=2**31 - 1)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_integer_route_gives_flasks_address(app, prefix, data):
    routes = _int_routes(app)
    assert len(routes) > 50
    endpoint, names = data.draw(st.sampled_from(routes))
    values = {name: data.draw(numbers) for name in names}
    if data.draw(st.booleans()):
        values["page"] = data.draw(numbers)  # a query argument beside the path's
    with app.test_request_context("/", base_url=f"http://localhost{prefix}/"):
        expected = flask_url_for(endpoint, **values)
        assert url_for(endpoint, **values) == expected
        assert url_for(endpoint, **values) == expected  # the second from the kept pattern


def test_values_that_are_not_plain_numbers_go_to_flask(app):
    with app.test_request_context("/"):
        assert url_for("tasks.index", q="dữ liệu") == flask_url_for("tasks.index", q="dữ liệu")
        assert url_for("tasks.detail", task_id=5, _anchor="x") == "/tasks/5#x"
        assert url_for("tasks.detail", task_id=5, _external=True) == "http://localhost/tasks/5"
        assert url_for("tasks.detail", task_id=-1) == flask_url_for("tasks.detail", task_id=-1)
        assert url_for("tasks.index", page=True) == flask_url_for("tasks.index", page=True)
