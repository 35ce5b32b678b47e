"""Single sign-on rules: which email an identity provider vouches for, and which role its
groups give. Pure: the claims arrive as a mapping, the roles as their names."""

from __future__ import annotations

from collections.abc import Mapping

# Roles from the most to the least privileged. Focal points are missing on purpose: they
# belong to a unit, which only the tracker knows, so no provider group can make one.
MAPPABLE_ROLES = ("admin", "coordinator", "viewer")
# A user who holds a role the provider governs but is in none of its groups keeps this.
LOWEST_ROLE = "viewer"


def parse_role_groups(text: str) -> dict[str, frozenset[str]]:
    """Return {role: groups} from ``admin=g1,coordinator=g2|g3`` (a role may repeat);
    raises ``ValueError`` naming what is wrong."""
    mapping: dict[str, set[str]] = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        role, sep, groups = (part.strip() for part in item.partition("="))
        if not sep or not role or not groups:
            raise ValueError(f"expected role=group, got {item!r}")
        if role not in MAPPABLE_ROLES:
            allowed = ", ".join(MAPPABLE_ROLES)
            raise ValueError(f"a provider group can make only {allowed}: {role!r}")
        names = {g.strip() for g in groups.split("|") if g.strip()}
        if not names:
            raise ValueError(f"expected role=group, got {item!r}")
        mapping.setdefault(role, set()).update(names)
    return {role: frozenset(groups) for role, groups in mapping.items()}


def groups_of(claims: Mapping, claim: str) -> frozenset[str] | None:
    """Return the groups the claim lists (a list, or a string separated by spaces or
    commas), or None when the claims do not have it."""
    if not claim or claim not in claims:
        return None
    value = claims[claim]
    if isinstance(value, str):
        return frozenset(v for v in value.replace(",", " ").split() if v)
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value if isinstance(v, str | int))
    return frozenset()


def role_for_groups(
    current: str, groups: frozenset[str] | None, mapping: Mapping[str, frozenset[str]]
) -> str:
    """Return the role a user should hold after signing in with these groups.

    The roles named in ``mapping`` are held only through the provider: a member of a mapped
    group gets the most privileged such role; someone holding a mapped role while in none
    of its groups drops to ``LOWEST_ROLE``. Other roles (focal points) stay as they are, and
    so does everything when the provider sent no groups at all (``groups`` is None).
    """
    if not mapping or groups is None:
        return current
    for role in MAPPABLE_ROLES:
        if mapping.get(role, frozenset()) & groups:
            return role
    return LOWEST_ROLE if current in mapping else current


def verified_email(claims: Mapping, claim: str) -> tuple[str | None, str | None]:
    """Return (email, None) when the claims name an email the provider vouches for, else
    (None, reason): "no_email", or "email_not_verified" when ``email_verified`` is present
    and not true (some providers send it as the string "true")."""
    value = claims.get(claim)
    if not isinstance(value, str) or "@" not in value.strip():
        return None, "no_email"
    if "email_verified" in claims:
        verified = claims["email_verified"]
        if verified is not True and str(verified).strip().lower() != "true":
            return None, "email_not_verified"
    return value.strip().lower(), None
