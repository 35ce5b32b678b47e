"""Two-factor sign-in for tests: an account's authenticator app set up through the
services (as the set-up page does), and the codes a phone would show."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyotp

from tracker.domain import two_factor as rules


@dataclass
class App:
    """An authenticator app holding one account's secret, and its recovery codes."""

    secret: str
    recovery_codes: list[str]

    def code(self, at: float | None = None, steps: int = 0) -> str:
        """Return the code shown at ``at`` (now by default), ``steps`` time steps later."""
        moment = (time.time() if at is None else at) + steps * rules.STEP_SECONDS
        return pyotp.TOTP(self.secret).at(moment)


def enrol(user, *, secret_key: str, now, at: float | None = None) -> App:
    """Set up an authenticator app for ``user`` (committed); return it. Call inside an app
    context. Set up with the code of ``at``, by default three time steps ago: a code opens
    nothing twice, so the current and the next codes stay free for the test to sign in
    with (both pass whichever side of a step's end the server reads its clock)."""
    from tracker.services.two_factor import enrolment

    enrolment.start(user, now=now, secret_key=secret_key)
    setup = enrolment.setup_of(user, secret_key=secret_key, issuer="tracker")
    moment = time.time() - 3 * rules.STEP_SECONDS if at is None else at
    codes = enrolment.confirm(
        user,
        pyotp.TOTP(setup.secret).at(moment),
        now=now,
        unix_time=moment,
        secret_key=secret_key,
        keep_session_id=None,
    )
    return App(setup.secret, codes)
