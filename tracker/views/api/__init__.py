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

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from tracker.extensions import csrf, limiter
from tracker.services import webhooks
from tracker.views.api.audit import audit
from tracker.views.api.common import (
    PROBLEM,
    ProblemSchema,
    api_limit,
    authenticate,
    token_key,
)
from tracker.views.api.emails import emails
from tracker.views.api.notifications import notifications
from tracker.views.api.reports import reports
from tracker.views.api.resources import BLUEPRINTS as RESOURCES

BLUEPRINTS = (*RESOURCES, reports, notifications, emails, audit)
for _blueprint in BLUEPRINTS:  # once, when the module loads: every app shares them
    _blueprint.before_request(authenticate)
    limiter.limit(api_limit, key_func=token_key)(_blueprint)
    csrf.exempt(_blueprint)


class WebhookEventData(ma.Schema):
    task_id = ma.fields.Integer(required=True)
    unit_id = ma.fields.Integer(allow_none=True)
    assignment_id = ma.fields.Integer(allow_none=True)

    class Meta:
        unknown = ma.INCLUDE  # and what the event adds: a reason, dates, changed fields


class WebhookEvent(ma.Schema):
    id = ma.fields.UUID(required=True, metadata={"description": "Same on a redelivery."})
    type = ma.fields.String(required=True, metadata={"enum": list(webhooks.TYPES)})
    occurred_at = ma.fields.DateTime(required=True)
    data = ma.fields.Nested(WebhookEventData, required=True)


def describe_webhooks(spec) -> None:
    """Add the webhooks' bodies and signature to the description (OpenAPI 3.1 ``webhooks``)."""
    spec.components.schema("WebhookEvent", schema=WebhookEvent)
    signature = {
        "name": webhooks.SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^t=[0-9]+,v1=[0-9a-f]{64}$"},
        "description": 't=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>; '
        "refuse a t more than 5 minutes from your clock.",
    }
    spec.options["webhooks"] = {
        event_type: {
            "post": {
                "summary": f"{event_type}, POSTed to the registered address",
                "parameters": [signature],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/WebhookEvent"}
                        }
                    },
                },
                "responses": {"200": {"description": "Any 2xx: delivered; else retried."}},
            }
        }
        for event_type in webhooks.TYPES
    }


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
