"""An authenticator app's secret, sealed at rest, and the codes it shows (pyotp).

The secret is encrypted (Fernet: AES-128-CBC and HMAC-SHA256) with a key derived from the
app's SECRET_KEY, so a copy of the database alone does not give the codes away. Changing
SECRET_KEY makes the sealed secrets unreadable: their owners then sign in with a recovery
code and set up their app again, or an administrator resets them.
"""

from __future__ import annotations

import base64
import hashlib

import pyotp

from tracker.domain import two_factor as rules

_KEY_LABEL = b"tracker two-factor secrets\0"


def _fernet(secret_key: str):
    # Imported when first used, like Authlib (extensions._OpenIdClients): the cryptography
    # package is large and most processes (the scheduler, import workers) never need it.
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(_KEY_LABEL + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_secret() -> str:
    """Return a fresh random secret (160 bits, base32, as authenticator apps take it)."""
    return pyotp.random_base32()


def seal(secret: str, secret_key: str) -> str:
    """Return ``secret`` encrypted for storage."""
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def unseal(sealed: str | None, secret_key: str) -> str | None:
    """Return the secret a sealed value holds, or None when there is none or it cannot be
    read (sealed under another SECRET_KEY, or altered)."""
    if not sealed:
        return None
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def codes_at(secret: str, unix_time: float) -> dict[int, str]:
    """Return the codes the app shows around ``unix_time``: time step -> code, for the steps
    a sign-in accepts then (``rules.steps_to_try``)."""
    totp = pyotp.TOTP(secret, digits=rules.DIGITS, interval=rules.STEP_SECONDS)
    return {step: totp.generate_otp(step) for step in rules.steps_to_try(unix_time)}


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """Return the ``otpauth://`` address an app reads from the QR code."""
    totp = pyotp.TOTP(secret, digits=rules.DIGITS, interval=rules.STEP_SECONDS)
    return totp.provisioning_uri(name=account, issuer_name=issuer)
