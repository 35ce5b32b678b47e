"""What every endpoint of the integration API shares: problem details (RFC 9457) for every
error, translated by ``Accept-Language``; the bearer token that signs each request in; the
cursor pagination and its ``Link`` header; dates in ISO 8601 with the time zone."""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app, g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from tracker import clock
from tracker.services import api_tokens, idempotency

PROBLEM = "application/problem+json"
INT_MAX = 2**31 - 1
PAGE_MAX = 200

TITLES = {
    400: _l("Bad request"),
    401: _l("Not signed in"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    412: _l("Precondition failed"),
    413: _l("Too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Server error"),
}
DETAILS = {
    400: _l("The request could not be understood."),
    401: _l("Send a valid API token: Authorization: Bearer <token>."),
    403: _l("The token does not have the permission this needs."),
    404: _l("There is no such resource, or the token cannot see it."),
    405: _l("This method is not allowed here."),
    422: _l("Some parameters are not valid: see errors."),
    429: _l("Too many requests for this token. Wait a moment and try again."),
    500: _l("Something went wrong on our side. The error has been logged."),
}


def is_api_request() -> bool:
    return request.path.startswith("/api/v1/")


def problem(code: int, detail=None, *, errors=None, headers=None):
    """Return an RFC 9457 problem response (``title`` and ``detail`` in the request's
    language)."""
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(code, TITLES[500] if code >= 500 else TITLES[400])),
        "status": code,
        "detail": str(detail or DETAILS.get(code, DETAILS[500] if code >= 500 else DETAILS[400])),
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    response.mimetype = PROBLEM
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    return response


class ProblemSchema(ma.Schema):
    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict()


def authenticate():
    """Sign the request in with its bearer token (before each API view): the token's user
    acts, within the token's scopes; a cookie never signs an API request in."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    token = None
    if scheme.lower() == "bearer" and secret.strip():
        token = api_tokens.authenticate(
            secret.strip(), now=clock.now(), ip=request.remote_addr or ""
        )
    if token is None:
        return problem(401)
    g._login_user = token.user  # Flask-Login's current_user, without a session
    g.api_token = token
    needed = api_tokens.READ if request.method in ("GET", "HEAD", "OPTIONS") else api_tokens.WRITE
    if needed not in token.scope_list:
        return problem(403)
    return None


def token_key() -> str:
    """The rate limit's key: the token sent (its hash: limits are counted before the token
    is looked up), else the client's address."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api-token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return f"api-ip:{request.remote_addr}"


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


class PageArgs(ma.Schema):
    after = ma.fields.Integer(
        validate=ma.validate.Range(0, INT_MAX),
        metadata={"description": "The cursor: the last id of the previous page."},
    )
    limit = ma.fields.Integer(
        load_default=50,
        validate=ma.validate.Range(1, PAGE_MAX),
        metadata={"description": f"Items per page, 1 to {PAGE_MAX} (default 50)."},
    )


class NumberedPageArgs(ma.Schema):
    """Page-number paging, for lists that come in another order than their ids."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, INT_MAX // PAGE_MAX))
    limit = PageArgs().fields["limit"]


class NewestFirstArgs(ma.Schema):
    """Cursor paging of a log read newest first: the page before the id ``before``."""

    before = ma.fields.Integer(
        validate=ma.validate.Range(0, INT_MAX),
        metadata={"description": "The cursor: the last id of the previous page."},
    )
    limit = PageArgs().fields["limit"]


def older_page_link(endpoint: str, next_after: int | None) -> dict[str, str]:
    """Return the ``Link`` header of the older page after ``next_after``, when there is one."""
    return {} if next_after is None else next_page_link(endpoint, "before", next_after)


def numbered_page_link(endpoint: str, args: dict, total: int) -> dict[str, str]:
    """Return the ``Link`` header of the page after ``args["page"]``, when there is one."""
    if args["page"] * args["limit"] >= total:
        return {}
    return next_page_link(endpoint, "page", args["page"] + 1)


def next_page_link(endpoint: str, name: str, value: int, **values) -> dict[str, str]:
    """Return the ``Link`` header of the next page: this request's query with ``name``
    (the cursor or the page number) set to ``value``."""
    args = {key: v for key, v in request.args.items() if key != name}
    url = url_for(endpoint, **values, **args, **{name: value}, _external=True)
    return {"Link": f'<{url}>; rel="next"'}


def link_header(endpoint: str, next_after: int | None, **values) -> dict[str, str]:
    """Return the ``Link`` header pointing at the next page, when there is one."""
    if next_after is None:
        return {}
    return next_page_link(endpoint, "after", next_after, **values)


LINK_HEADER = {
    "Link": {"description": 'The next page: <url>; rel="next"', "schema": {"type": "string"}}
}


class Moment(ma.fields.DateTime):
    """A moment in ISO 8601 with the programme's time zone (stored in UTC)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        zone = ZoneInfo(current_app.config["TIMEZONE"])
        return value.astimezone(zone).isoformat()


def parse_moment(value: datetime) -> datetime:
    """Return an ``updated_since`` filter value as an aware moment (naive: the programme's
    time zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return value.astimezone(UTC)


IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    "description": "Any unique text (a UUID): a retry with the same key and request gets the "
    "first answer again instead of doing the work twice (kept a day).",
}
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def idempotent(view):
    """Answer a retried POST that carries the ``Idempotency-Key`` of an earlier one with
    that earlier answer, and do nothing again (see ``services.idempotency``)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.fullmatch(key):
            return problem(422, errors={"headers": {"Idempotency-Key": [str(BAD_KEY)]}})
        found = idempotency.claim(g.api_token.id, key, _request_digest(), clock.now())
        if found.outcome == idempotency.REPLAY:
            response = current_app.response_class(found.body or None, status=found.status)
            if found.body:
                response.mimetype = PROBLEM if found.status >= 400 else "application/json"
            response.headers["Idempotent-Replayed"] = "true"
            return response
        if found.outcome == idempotency.MISMATCH:
            return problem(422, KEY_REUSED)
        if found.outcome == idempotency.IN_PROGRESS:
            return problem(409, KEY_IN_USE)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            idempotency.release(found.row_id)
            raise
        if response.status_code >= 500:
            idempotency.release(found.row_id)
        else:
            idempotency.finish(found.row_id, response.status_code, response.get_data(as_text=True))
        return response

    return wrapper


def _request_digest() -> str:
    """Return what identifies the request an Idempotency-Key names: its method, path and
    body; for a multipart form, its fields and files (a retry may be encoded with another
    boundary between the same parts)."""
    if request.mimetype != "multipart/form-data":
        return hashlib.sha256(
            b"\0".join([request.method.encode(), request.path.encode(), request.get_data()])
        ).hexdigest()
    digest = hashlib.sha256(f"{request.method}\0{request.path}".encode())
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(b"\0field\0" + name.encode() + b"\0" + value.encode())
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        digest.update(b"\0file\0" + name.encode() + b"\0" + (upload.filename or "").encode())
        while chunk := upload.stream.read(64 * 1024):
            digest.update(chunk)
        upload.stream.seek(0)  # the view reads it again
    return digest.hexdigest()


BAD_KEY = _l("An Idempotency-Key is 1 to 255 visible ASCII characters.")
KEY_REUSED = _l("This Idempotency-Key was sent before with another request.")
KEY_IN_USE = _l("The first request with this Idempotency-Key is still being answered.")
