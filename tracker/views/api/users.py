"""User accounts through ``/api/v1/users``, for administrators' tokens with the
administration permission, by the services of Administration → Users
(``services.admin.users``): list and read them, create one (its owner is emailed a link to
choose a password, as from the page), change its name, role, unit, language and whether it
is active. Password hashes, sign-in tokens and two-factor secrets are never shown.

An account has no version column: its ETag is a digest of what an administrator may change
on it (``acting.digest_etag``; a sign-in does not change it)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from tracker import clock, settings
from tracker.models import Role
from tracker.services import api_reads
from tracker.services.admin import users as user_admin
from tracker.services.errors import NotFound
from tracker.views.api.acting import (
    ERRORS_WRITE,
    ETAG_HEADER,
    as_token,
    digest_etag,
    digest_refusal,
    if_match,
    text_field,
)
from tracker.views.api.common import (
    IDEMPOTENCY_KEY,
    INT_MAX,
    LINK_HEADER,
    Moment,
    PageArgs,
    idempotent,
    link_header,
    problem,
)
from tracker.views.api.errors_doc import documented
from tracker.views.api.unit_writes import administers

STALE_USER = _l("The account changed since it was read: read it again.")
NO_USER_ETAG = _l("Send the account's ETag in If-Match.")
EDITABLE = ("email", "name", "role", "unit_id", "language", "active")
LOCATION = {"Location": {"description": "The new account", "schema": {"type": "string"}}}
ROLES = [r.value for r in Role]

users = Blueprint("api_users", __name__, url_prefix="/api/v1/users", description="Users")


class UserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.String(required=True, metadata={"enum": ROLES})
    unit_id = ma.fields.Integer(allow_none=True, metadata={"description": "Focal points'."})
    language = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    created_at = Moment(required=True)
    last_login_at = Moment(allow_none=True)


class UserList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(UserSchema), required=True)


class UserArgs(PageArgs):
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    unit = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    active = ma.fields.Boolean()


def _language():
    """A language tag; the service accepts those the tracker speaks (vi, en by default)."""
    return ma.fields.String(
        validate=ma.validate.Regexp(r"^[a-z]{2}(_[A-Z]{2})?$"),
        metadata={"description": "vi or en (those the tracker speaks)."},
    )


class UserCreateArgs(ma.Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=255))
    name = text_field(max_length=255)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    unit_id = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(1, INT_MAX),
        metadata={"description": "A focal point's unit (active); no one else has one."},
    )
    language = _language()


class UserChangeArgs(ma.Schema):
    name = text_field(max_length=255)
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    unit_id = UserCreateArgs().fields["unit_id"]
    language = _language()
    active = ma.fields.Boolean(
        metadata={"description": "false: signed out everywhere, and no sign-in."}
    )


def user_etag(user) -> str:
    return digest_etag({name: getattr(user, name) for name in (*EDITABLE, "id")})


def _answer(user, status: int = 200, headers: dict | None = None):
    return user, status, {"ETag": user_etag(user)} | (headers or {})


def _load(user_id: int):
    """Return the account, or None when there is none."""
    try:
        return user_admin.load_user(current_user, user_id)
    except NotFound:
        return None


@users.route("")
@users.arguments(UserArgs, location="query")
@users.response(200, UserList, headers=LINK_HEADER)
@documented(users, 400, 401, 403, 422, 429)
def list_users(args):
    """The accounts, in id order, a page at a time (administrators, with the
    administration permission); by ``role``, ``unit`` and ``active``."""
    if not administers():
        return problem(403)
    filters = user_admin.UserFilters(
        role=args.get("role"), unit_id=args.get("unit"), active=args.get("active")
    )
    page = api_reads.users(current_user, filters, after=args.get("after"), limit=args["limit"])
    return {"items": page.items}, 200, link_header("api_users.list_users", page.next_after)


@users.route("/<int(max=2147483647):user_id>", endpoint="get_user")
class UserById(MethodView):
    """One account: read it, change it (one URL rule for both: see ``read_unit``)."""

    @users.response(200, UserSchema, headers=ETAG_HEADER)
    @documented(users, 400, 401, 403, 404, 429)
    def get(self, user_id: int):
        """One account; its ETag is what a change sends back."""
        return read_user(user_id)

    @users.doc(parameters=[if_match("the account", digest=True)])
    @users.arguments(UserChangeArgs(partial=True))
    @users.response(200, UserSchema, headers=ETAG_HEADER)
    @documented(users, *ERRORS_WRITE)
    def patch(self, args, user_id: int):
        """Change an account's name, role, unit, language or whether it is active
        (administrators): only the fields sent change. Nobody changes their own role or
        deactivates themselves (409)."""
        return change_user(args, user_id)


def read_user(user_id: int):
    """Answer one account with its ETag, to administrators with the permission."""
    if not administers():
        return problem(403)
    found = _load(user_id)
    return _answer(found) if found is not None else problem(404)


@users.route("", methods=["POST"])
@idempotent
@users.doc(parameters=[IDEMPOTENCY_KEY])
@users.arguments(UserCreateArgs)
@users.response(201, UserSchema, headers=ETAG_HEADER | LOCATION)
@documented(users, 400, 401, 403, 409, 422, 429)
def create_user(args):
    """Create an active account (administrators); its owner is emailed a link to choose a
    password. An address another account uses: 409."""
    if not administers():
        return problem(403)
    config = settings.current()
    made = []
    refused = as_token(
        lambda: made.append(
            user_admin.create_user(
                current_user,
                clock.now(),
                email=args["email"],
                name=args["name"],
                role=args["role"],
                unit_id=args.get("unit_id"),
                language=args.get("language") or config.languages[0],
                settings=config,
            )
        )
    )
    if refused is not None:
        return refused
    location = url_for("api_users.get_user", user_id=made[0].id, _external=True)
    return _answer(made[0], 201, {"Location": location})


def change_user(args, user_id: int):
    """Change the account, as it was read."""
    if not administers():
        return problem(403)
    user = _load(user_id)
    if user is None:
        return problem(404)
    stale = digest_refusal(user_etag(user), NO_USER_ETAG, STALE_USER)
    if stale is not None:
        return stale
    values = {name: args.get(name, getattr(user, name)) for name in ("name", "role", "unit_id")}
    language = args.get("language", user.language)

    refused = as_token(
        lambda: user_admin.update_user(
            current_user,
            clock.now(),
            user_id,
            **values,
            language=language,
            languages=settings.current().languages,
            active=args.get("active"),
        ),
        stale=STALE_USER,
    )
    return refused if refused is not None else _answer(_load(user_id))
