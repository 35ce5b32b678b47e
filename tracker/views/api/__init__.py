"""The integration API, ``/api/v1``: JSON, bearer tokens, the pages' rules (see
``common``), its OpenAPI 3.1 description generated from the code by flask-smorest at
``/api/v1/openapi.json``.

flask-smorest, over APIFlask and Spectree: it plugs into this plain Flask app as
blueprints (APIFlask wants its own app class), describes requests and answers with the
marshmallow schemas that also validate them (webargs) and speaks OpenAPI 3.1 through
apispec; its ETag support fits the version-checked writes to come. Its app-wide JSON error
handler is left out: the HTML pages keep theirs, and API errors are problem details.
"""

from __future__ import annotations

import http

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from tracker.extensions import csrf, limiter
from tracker.views.api import (  # noqa: F401 (their routes)
    assignment_actions,
    submissions,
    task_assigning,
    task_writes,
    unit_writes,
)
from tracker.views.api.audit import audit
from tracker.views.api.common import (
    PROBLEM,
    ProblemSchema,
    api_limit,
    authenticate,
    token_key,
)
from tracker.views.api.emails import emails
from tracker.views.api.extension_requests import extensions
from tracker.views.api.notifications import notifications
from tracker.views.api.reminders import reminders
from tracker.views.api.reports import reports
from tracker.views.api.resources import BLUEPRINTS as RESOURCES
from tracker.views.api.users import users
from tracker.views.api.webhook_events import describe_webhooks

BLUEPRINTS = (*RESOURCES, extensions, reports, notifications, emails, reminders, audit, users)
for _blueprint in BLUEPRINTS:  # once, when the module loads: every app shares them
    _blueprint.before_request(authenticate)
    limiter.limit(api_limit, key_func=token_key)(_blueprint)
    csrf.exempt(_blueprint)


class TrackerApi(Api):
    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # every operation lists its own error codes

    def _register_error_handlers(self):
        """Errors go through the app's handlers (``views.errors``), which answer API
        requests with problem details."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "tracker")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = TrackerApi(app, spec_kwargs={"marshmallow_plugin": MarshmallowPlugin()})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    describe_webhooks(api.spec)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
