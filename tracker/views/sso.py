"""Single sign-on through an OpenID Connect provider (Authlib): the authorization code flow
with PKCE, state and nonce. The provider's answer is checked here (signature, issuer,
audience, expiry, nonce); ``services.sso`` then finds the account and starts the session.
"""

from __future__ import annotations

import hashlib
import json

import requests
from authlib.common.errors import AuthlibBaseError
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user
from joserfc.errors import JoseError

from tracker import clock
from tracker.domain.sso import parse_role_groups
from tracker.extensions import oauth
from tracker.services import sso
from tracker.views.redirects import safe_next

bp = Blueprint("sso", __name__, url_prefix="/sso")

_NEXT = "sso_next"  # where to go after signing in, kept in the session during the round trip
# The fingerprint of the session token a single sign-on started: tells that session apart
# from one a password started later in the same browser (see ``started_by_sso``).
_STARTED = "sso_session"


def enabled(config=None) -> bool:
    """Return whether single sign-on is configured."""
    return bool((config or current_app.config).get("OIDC_ISSUER"))


def provider_name() -> str:
    return str(current_app.config["OIDC_PROVIDER_NAME"])


def password_roles(config=None) -> tuple[str, ...] | None:
    """Return the roles that may still sign in with a password, or None for everyone."""
    config = config or current_app.config
    if enabled(config) and config["OIDC_LOCAL_PASSWORDS"] == "admins":
        return ("admin",)
    return None


def _client():
    """Return the Authlib client of the current OIDC_* settings, registered once per
    configuration (its provider metadata and keys are fetched once, then kept)."""
    config = current_app.config
    settings = {
        "issuer": str(config["OIDC_ISSUER"]).rstrip("/"),
        "client_id": config["OIDC_CLIENT_ID"],
        "client_secret": config["OIDC_CLIENT_SECRET"],
        "scope": str(config["OIDC_SCOPES"]),
        "timeout": config["OIDC_TIMEOUT"],
    }
    name = "sso_" + hashlib.sha256(json.dumps(settings).encode()).hexdigest()[:16]
    client = oauth.create_client(name)
    if client is None:
        client = oauth.register(
            name,
            client_id=settings["client_id"],
            client_secret=settings["client_secret"],
            server_metadata_url=settings["issuer"] + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings["scope"],
                "code_challenge_method": "S256",
                "default_timeout": settings["timeout"],
                # A public client (no secret) authenticates with PKCE alone.
                **({} if settings["client_secret"] else {"token_endpoint_auth_method": "none"}),
            },
        )
    return client


def _expected(client) -> dict:
    """Return the claims the ID token must carry: our issuer and our client id as its
    audience. (Authlib checks the audience only when told to: by default a token for
    another client that names us as its authorized party ``azp`` would pass.)"""
    issuer = client.load_server_metadata().get("issuer")
    if str(issuer).rstrip("/") != str(current_app.config["OIDC_ISSUER"]).rstrip("/"):
        raise ValueError(f"the provider calls itself {issuer!r}, not OIDC_ISSUER")
    return {
        "iss": {"essential": True, "values": [issuer]},
        "aud": {"essential": True, "values": [client.client_id]},
    }


def _policy() -> sso.Policy:
    config = current_app.config
    return sso.Policy(
        email_claim=str(config["OIDC_EMAIL_CLAIM"]),
        groups_claim=str(config["OIDC_GROUPS_CLAIM"] or ""),
        role_groups=parse_role_groups(str(config["OIDC_ROLE_GROUPS"] or "")),
    )


@bp.get("/login")
def login():
    """Send the browser to the provider. Starting the round trip changes nothing here, and
    only the browser that started it can finish it (the state is kept in its session)."""
    if not enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    session[_NEXT] = safe_next(request.args.get("next")) or ""
    try:
        return _client().authorize_redirect(url_for("sso.callback", _external=True))
    except (requests.RequestException, AuthlibBaseError, ValueError) as exc:
        return _refused(sso.refuse("unavailable", now=clock.now(), detail=_describe(exc)))


@bp.get("/callback")
def callback():
    """Check the provider's answer and sign the user in, or say why not."""
    if not enabled():
        abort(404)
    now = clock.now()
    if request.args.get("error"):
        reason = "cancelled" if request.args["error"] == "access_denied" else "invalid_response"
        detail = f"{request.args['error']}: {request.args.get('error_description', '')}"
        return _refused(sso.refuse(reason, now=now, detail=detail))
    try:
        client = _client()
        token = client.authorize_access_token(
            leeway=current_app.config["OIDC_CLOCK_LEEWAY"], claims_options=_expected(client)
        )
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise ValueError("no ID token in the token response")
        if current_app.config["OIDC_EMAIL_CLAIM"] not in claims:
            # Providers that keep claims out of the ID token serve them at the userinfo
            # endpoint; its answer counts only for the same subject.
            extra = client.userinfo(token=token)
            if extra.get("sub") != claims.get("sub"):
                raise ValueError("userinfo is about another subject")
            claims = {**extra, **claims}
    except requests.RequestException as exc:
        return _refused(sso.refuse("unavailable", now=now, detail=_describe(exc)))
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        return _refused(sso.refuse("invalid_response", now=now, detail=_describe(exc)))
    try:
        user = sso.sign_in(
            claims,
            _policy(),
            now=now,
            ip=request.remote_addr or "",
            user_agent=request.user_agent.string,
        )
    except sso.SsoRefused as refusal:
        return _refused(refusal)
    login_user(user)
    session[_STARTED] = _fingerprint(user.get_id())
    session.pop("language", None)
    return redirect(session.pop(_NEXT, "") or url_for("dashboard.index"))


def started_by_sso() -> bool:
    """Return whether the current user's session began with a single sign-on (the
    provider, not a password, vouched for them: no second factor is asked of it)."""
    token = current_user.get_id() if current_user.is_authenticated else None
    return bool(token) and session.get(_STARTED) == _fingerprint(token)


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _refused(refusal: sso.SsoRefused):
    session.pop(_NEXT, None)
    flash(refusal.message, "danger")
    return redirect(url_for("auth.login"))


def _describe(exc: Exception) -> str:
    """Return a short technical description of why the provider's answer was refused, for
    the audit log (e.g. "InvalidClaimError: Invalid claim: 'aud'")."""
    return f"{type(exc).__name__}: {exc}"


@bp.app_context_processor
def _templates():
    # A function, called only by the page that shows the offer (the sign-in page).
    return {"sso_offer": login_offer}


def login_offer() -> dict | None:
    """Return what the sign-in page shows of single sign-on, or None when it is off."""
    if not enabled():
        return None
    return {
        "name": provider_name(),
        "admins_only": password_roles() is not None,
        "next": safe_next(request.args.get("next")),
    }
