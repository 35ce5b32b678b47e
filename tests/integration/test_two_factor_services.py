"""Two-factor sign-in's services against a real database: codes by their time steps (the
moment is a parameter), a code used once, the secret sealed at rest, recovery codes spent
once, and refusals that change nothing."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select
from support.today import NOW

from tracker.domain import two_factor as rules
from tracker.extensions import db
from tracker.models import Event, RecoveryCode, TwoFactor, User
from tracker.services.errors import ServiceError
from tracker.services.two_factor import app_codes, enrolment
from tracker.services.two_factor import sign_in as second_step

KEY = "test-secret"
T0 = 1_719_802_800.0  # 2024-07-01 03:00 UTC, at the start of a time step
STEP = rules.STEP_SECONDS


@pytest.fixture
def enrolled(ctx, make):
    """A coordinator whose app was set up with the code of T0; returns (user, TOTP, codes)."""
    user = make.user("coordinator")
    enrolment.start(user, now=NOW, secret_key=KEY)
    secret = enrolment.setup_of(user, secret_key=KEY, issuer="tracker").secret
    totp = pyotp.TOTP(secret)
    codes = enrolment.confirm(
        user, totp.at(T0), now=NOW, unix_time=T0, secret_key=KEY, keep_session_id=None
    )
    return user, totp, codes


def use(user, code, at):
    return second_step.use_code(user, code, now=NOW, unix_time=at, secret_key=KEY)


def test_the_code_of_set_up_is_already_used(enrolled):
    user, totp, _codes = enrolled
    with pytest.raises(second_step.CodeRefused) as refused:
        use(user, totp.at(T0), T0 + 5)
    assert refused.value.reason == "reused_code"


@pytest.mark.parametrize(("shown", "read"), [(0, 0), (-1, 0), (1, 0), (0, 1), (0, -1)])
def test_a_code_one_step_off_passes(enrolled, shown, read):
    user, totp, _codes = enrolled
    later = T0 + 10 * STEP
    assert use(user, totp.at(later + shown * STEP), later + read * STEP).factor == "totp"


def test_a_code_two_steps_off_does_not(enrolled):
    user, totp, _codes = enrolled
    later = T0 + 10 * STEP
    for offset in (-2, 2):
        with pytest.raises(second_step.CodeRefused) as refused:
            use(user, totp.at(later + offset * STEP), later)
        assert refused.value.reason == "wrong_code"


def test_after_a_code_neither_it_nor_an_earlier_one_passes_but_the_next_does(enrolled):
    user, totp, _codes = enrolled
    later = T0 + 10 * STEP
    use(user, totp.at(later), later)
    for shown in (later, later - STEP):
        with pytest.raises(second_step.CodeRefused):
            use(user, totp.at(shown), later)
    assert use(user, totp.at(later + STEP), later).factor == "totp"
    assert db.session.get(TwoFactor, user.id).last_step == rules.step_of(later) + 1


def test_two_uses_of_one_step_at_once_let_one_through(enrolled):
    user, _totp, _codes = enrolled
    step = rules.step_of(T0) + 20
    assert enrolment.claim_step(user.id, step) is True
    assert enrolment.claim_step(user.id, step) is False


def test_the_secret_is_sealed_and_unreadable_under_another_key(enrolled):
    user, totp, codes = enrolled
    stored = db.session.get(TwoFactor, user.id).secret
    assert totp.secret not in stored
    assert app_codes.unseal(stored, KEY) == totp.secret
    assert app_codes.unseal(stored, "another-secret-key") is None
    assert app_codes.unseal(stored[:-4] + "AAAA", KEY) is None
    # After a change of SECRET_KEY, app codes open nothing; a recovery code still does.
    later = T0 + 10 * STEP
    with pytest.raises(second_step.CodeRefused):
        second_step.use_code(
            user, totp.at(later), now=NOW, unix_time=later, secret_key="another-secret-key"
        )
    used = second_step.use_code(
        user, codes[0], now=NOW, unix_time=later, secret_key="another-secret-key"
    )
    assert used.factor == "recovery_code"


def test_recovery_codes_are_stored_hashed_and_spent_once(enrolled):
    user, _totp, codes = enrolled
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)
    assert use(user, codes[0], T0) == second_step.Used("recovery_code", 9)
    with pytest.raises(second_step.CodeRefused) as refused:
        use(user, codes[0], T0)
    assert refused.value.factor == "recovery_code"
    assert use(user, codes[1].upper(), T0).codes_left == 8


def test_another_users_recovery_code_opens_nothing(enrolled, make):
    _user, _totp, codes = enrolled
    other = make.user("coordinator")
    enrolment.start(other, now=NOW, secret_key=KEY)
    secret = enrolment.setup_of(other, secret_key=KEY, issuer="tracker").secret
    enrolment.confirm(
        other, pyotp.TOTP(secret).at(T0), now=NOW, unix_time=T0, secret_key=KEY,
        keep_session_id=None,
    )  # fmt: skip
    with pytest.raises(second_step.CodeRefused):
        use(other, codes[0], T0)


def test_a_user_without_an_app_has_no_code_to_use(ctx, make):
    user = make.user("viewer")
    assert not second_step.is_on(user)
    with pytest.raises(second_step.CodeRefused):
        use(user, "123456", T0)


def test_a_set_up_started_again_replaces_the_key_shown(ctx, make):
    user = make.user("viewer")
    enrolment.start(user, now=NOW, secret_key=KEY)
    first = enrolment.setup_of(user, secret_key=KEY, issuer="tracker").secret
    enrolment.start(user, now=NOW, secret_key=KEY)
    second = enrolment.setup_of(user, secret_key=KEY, issuer="tracker")
    assert second.secret != first
    assert second.uri.startswith("otpauth://totp/tracker:") and "issuer=tracker" in second.uri
    with pytest.raises(ServiceError):
        enrolment.confirm(
            user, pyotp.TOTP(first).at(T0), now=NOW, unix_time=T0, secret_key=KEY,
            keep_session_id=None,
        )  # fmt: skip


def test_refusals_change_nothing(enrolled, make):
    user, totp, _codes = enrolled
    before = (
        db.session.get(TwoFactor, user.id).last_step,
        len(db.session.scalars(select(Event)).all()),
    )
    for call in (
        lambda: enrolment.disable(user, "wrong", now=NOW, unix_time=T0, secret_key=KEY, roles=()),
        lambda: enrolment.regenerate_codes(
            user, totp.at(T0), now=NOW, unix_time=T0, secret_key=KEY
        ),  # the set-up's code, already used
        lambda: enrolment.disable(
            user, "secret-pass", now=NOW, unix_time=T0, secret_key=KEY, roles=("coordinator",)
        ),
    ):
        with pytest.raises(ServiceError):
            call()
    after = (
        db.session.get(TwoFactor, user.id).last_step,
        len(db.session.scalars(select(Event)).all()),
    )
    assert after == before
    assert enrolment.status_of(user).enabled and enrolment.status_of(user).codes_left == 10


def test_the_remembered_device_cookie_is_bound_to_the_app(enrolled):
    user, _totp, _codes = enrolled
    token = second_step.remember_token(user, KEY)
    assert second_step.remembers(token, user, KEY, days=30)
    assert not second_step.remembers(token, user, KEY, days=0)
    assert not second_step.remembers(token, user, "another-secret-key", days=30)
    assert not second_step.remembers(token + "x", user, KEY, days=30)
    # Moving to another app forgets it.
    enrolment.start(user, now=NOW, secret_key=KEY)
    secret = enrolment.setup_of(user, secret_key=KEY, issuer="tracker").secret
    enrolment.confirm(
        user, pyotp.TOTP(secret).at(T0), now=NOW, unix_time=T0, secret_key=KEY,
        keep_session_id=None,
    )  # fmt: skip
    assert not second_step.remembers(token, user, KEY, days=30)


def test_the_command_line_resets_an_account_no_administrator_can_help(app, runner, build):
    def make(f):
        admin = f.user("admin", email="only-admin@example.org")
        db.session.commit()
        enrolment.start(admin, now=NOW, secret_key=KEY)
        secret = enrolment.setup_of(admin, secret_key=KEY, issuer="tracker").secret
        enrolment.confirm(
            admin, pyotp.TOTP(secret).at(T0), now=NOW, unix_time=T0, secret_key=KEY,
            keep_session_id=None,
        )  # fmt: skip
        return admin.id, admin.session_token

    admin_id, token = build(make)
    result = runner.invoke(args=["two-factor", "reset", "Only-Admin@example.org"])
    assert result.exit_code == 0, result.output
    assert "only-admin@example.org" in result.output
    with app.app_context():
        assert db.session.get(TwoFactor, admin_id) is None
        [event] = db.session.scalars(select(Event).where(Event.kind == "two_factor_reset"))
        assert event.actor_id is None and event.data == {"method": "command"}
        assert db.session.get(User, admin_id).session_token != token

    again = runner.invoke(args=["two-factor", "reset", "only-admin@example.org"])
    assert again.exit_code == 1
    assert runner.invoke(args=["two-factor", "reset", "nobody@example.org"]).exit_code == 1
