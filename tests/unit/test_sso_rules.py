"""Single sign-on rules: the email a provider vouches for, and the roles its groups give."""

from __future__ import annotations

import pytest

from tracker.domain.sso import (
    MAPPABLE_ROLES,
    groups_of,
    parse_role_groups,
    role_for_groups,
    verified_email,
)
from tracker.models import Role

MAPPING = parse_role_groups("admin=admins, coordinator=office|planning ,viewer=readers")


def test_the_mappable_roles_are_the_roles_without_a_unit():
    assert set(MAPPABLE_ROLES) == {r.value for r in Role} - {Role.FOCAL_POINT}


def test_role_groups_are_parsed():
    assert dict(MAPPING) == {
        "admin": frozenset({"admins"}),
        "coordinator": frozenset({"office", "planning"}),
        "viewer": frozenset({"readers"}),
    }
    assert parse_role_groups("") == {}


@pytest.mark.parametrize(
    "text", ["admin", "admin=", "=admins", "focal_point=units", "boss=admins", "admin=|"]
)
def test_bad_role_groups_are_refused(text):
    with pytest.raises(ValueError):
        parse_role_groups(text)


@pytest.mark.parametrize(
    ("current", "groups", "expected"),
    [
        ("viewer", {"admins", "office"}, "admin"),  # the most privileged mapped role
        ("admin", {"office"}, "coordinator"),
        ("focal_point", {"planning"}, "coordinator"),
        ("admin", set(), "viewer"),  # a governed role without its group is lost
        ("coordinator", {"staff"}, "viewer"),
        ("focal_point", {"staff"}, "focal_point"),  # not governed by the provider
        ("admin", None, "admin"),  # no groups claim at all: nothing is decided
    ],
)
def test_roles_follow_the_groups(current, groups, expected):
    given = None if groups is None else frozenset(groups)
    assert role_for_groups(current, given, MAPPING) == expected


def test_without_a_mapping_roles_stay():
    assert role_for_groups("admin", frozenset(), {}) == "admin"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"groups": ["a", "b"]}, {"a", "b"}),
        ({"groups": "a b,c"}, {"a", "b", "c"}),
        ({"groups": [{"x": 1}, "a"]}, {"a"}),
        ({"groups": 5}, set()),
        ({}, None),
    ],
)
def test_groups_are_read_as_lists_or_strings(claims, expected):
    found = groups_of(claims, "groups")
    assert (None if found is None else set(found)) == expected


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": " A@Example.org "}, ("a@example.org", None)),
        ({"email": "a@example.org", "email_verified": True}, ("a@example.org", None)),
        ({"email": "a@example.org", "email_verified": "true"}, ("a@example.org", None)),
        ({"email": "a@example.org", "email_verified": False}, (None, "email_not_verified")),
        ({"email": "a@example.org", "email_verified": "false"}, (None, "email_not_verified")),
        ({"email": "a@example.org", "email_verified": None}, (None, "email_not_verified")),
        ({"email": "not-an-email"}, (None, "no_email")),
        ({"email": ["a@example.org"]}, (None, "no_email")),
        ({}, (None, "no_email")),
    ],
)
def test_only_an_email_the_provider_vouches_for_counts(claims, expected):
    assert verified_email(claims, "email") == expected


def test_the_email_claim_is_configurable():
    assert verified_email({"upn": "x@gov.vn", "email": "y@x"}, "upn") == ("x@gov.vn", None)
