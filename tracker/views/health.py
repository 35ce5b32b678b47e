"""For machines: ``/healthz`` (the process answers), ``/readyz`` (it can serve: see
``services.health``) and ``/metrics`` (Prometheus). None needs signing in; the answers hold
no internals, and ``/metrics`` answers only with the bearer token ``METRICS_TOKEN`` (404
while none is configured)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request

from tracker import clock, settings
from tracker.services import health, metrics

bp = Blueprint("health", __name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():
    found = health.readiness(clock.now(), settings.current())
    body = jsonify(status="ready" if found.ready else "not ready", checks=found.checks)
    return _no_store(body), 200 if found.ready else 503


@bp.get("/metrics")
def prometheus():
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return _no_store(Response("", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}))
    body = metrics.exposition(clock.now(), settings.current())
    return _no_store(Response(body, mimetype=None, content_type=metrics.CONTENT_TYPE))
