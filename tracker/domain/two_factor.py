"""Two-factor sign-in rules: what a typed code is, how recovery codes are written, which
time step of an authenticator app a sign-in may use, and who must have a second factor.
Pure: the secret's codes arrive already computed, the clock as a number."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

STEP_SECONDS = 30  # RFC 6238's time step, what every authenticator app uses
DIGITS = 6
# Codes of the step before and after the current one pass too: a phone's clock a little
# off, or a code typed as it changed.
WINDOW = 1

# Recovery codes: letters and digits that cannot be mistaken for one another when copied
# from paper (no 0/o, 1/l/i), 12 of them (some 59 bits), shown in groups of four.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 12
RECOVERY_GROUP = 4
RECOVERY_COUNT = 10


def step_of(unix_time: float) -> int:
    """Return the time step (RFC 6238's counter) a moment falls in."""
    return int(unix_time // STEP_SECONDS)


def steps_to_try(unix_time: float) -> list[int]:
    """Return the steps whose codes are accepted at this moment, the current one first."""
    current = step_of(unix_time)
    return [current, *(current + d for n in range(1, WINDOW + 1) for d in (-n, n))]


def accepted_step(typed: str, codes: Mapping[int, str], last_step: int | None) -> int | None:
    """Return the step whose code ``typed`` is, among ``codes`` (step -> code), if it is
    later than ``last_step``, the last one used: a code seen once opens nothing again,
    nor does an earlier one. None when no code matches."""
    matching = [step for step, code in codes.items() if code == typed]
    fresh = [step for step in matching if last_step is None or step > last_step]
    return min(fresh) if fresh else None


def normalise(typed: str) -> str:
    """Return a typed code without spaces and dashes, lower-cased: authenticator apps show
    "123 456", recovery codes are printed "abcd-efgh-jkmn"."""
    return "".join(ch for ch in (typed or "").lower() if ch not in " -\t\u00a0")


def is_app_code(code: str) -> bool:
    """Whether a normalised code has the shape of an authenticator app's (six digits);
    anything else is taken for a recovery code."""
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def is_recovery_code(code: str) -> bool:
    """Whether a normalised code could be a recovery code at all."""
    return len(code) == RECOVERY_LENGTH and all(ch in RECOVERY_ALPHABET for ch in code)


def written(code: str) -> str:
    """Return a recovery code as it is shown: in groups of four joined by dashes."""
    return "-".join(code[i : i + RECOVERY_GROUP] for i in range(0, len(code), RECOVERY_GROUP))


def required(role: str, roles: Iterable[str]) -> bool:
    """Whether the policy (the roles that must have a second factor) covers ``role``."""
    return role in set(roles)
