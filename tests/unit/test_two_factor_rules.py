"""Two-factor sign-in's rules: which time steps pass, replayed codes, how typed codes are
read, recovery codes' shape and who must use it."""

import pytest

from tracker.domain import two_factor as rules


@pytest.mark.parametrize(
    ("unix_time", "steps"),
    [
        (0, [0, -1, 1]),
        (29.9, [0, -1, 1]),
        (30, [1, 0, 2]),
        (1_719_800_000, [57_326_666, 57_326_665, 57_326_667]),
    ],
)
def test_the_current_step_and_one_either_side_are_tried(unix_time, steps):
    assert rules.steps_to_try(unix_time) == steps


CODES = {100: "111111", 99: "222222", 101: "333333"}


@pytest.mark.parametrize(
    ("typed", "last", "accepted"),
    [
        ("111111", None, 100),  # the current code
        ("222222", None, 99),  # the one before: a code typed as it changed
        ("333333", None, 101),  # the next: a phone's clock a little ahead
        ("444444", None, None),  # no such code
        ("111111", 100, None),  # used already
        ("222222", 100, None),  # earlier than one used: refused too
        ("333333", 100, 101),  # later than the one used
        ("111111", 98, 100),
    ],
)
def test_a_code_passes_once_and_never_after_a_later_one(typed, last, accepted):
    assert rules.accepted_step(typed, CODES, last) == accepted


def test_when_two_steps_show_one_code_the_earliest_unused_is_taken():
    assert rules.accepted_step("555555", {99: "555555", 101: "555555"}, None) == 99
    assert rules.accepted_step("555555", {99: "555555", 101: "555555"}, 99) == 101


@pytest.mark.parametrize(
    ("typed", "normal", "app", "recovery"),
    [
        ("123 456", "123456", True, False),
        (" 123-456 ", "123456", True, False),
        ("12345", "12345", False, False),
        ("１２３４５６", "１２３４５６", False, False),  # full-width digits are not a code
        ("ABCD-EFGH-JKMN", "abcdefghjkmn", False, True),
        ("abcd efgh jkmn", "abcdefghjkmn", False, True),
        ("abcd-efgh-jkm0", "abcdefghjkm0", False, False),  # 0 is never in a recovery code
        ("", "", False, False),
    ],
)
def test_typed_codes_are_read_as_people_copy_them(typed, normal, app, recovery):
    assert rules.normalise(typed) == normal
    assert rules.is_app_code(normal) is app
    assert rules.is_recovery_code(normal) is recovery


def test_recovery_codes_are_written_in_groups_of_four():
    assert rules.written("abcdefghjkmn") == "abcd-efgh-jkmn"


def test_the_alphabet_has_no_characters_mistaken_for_others():
    assert not set("0o1li") & set(rules.RECOVERY_ALPHABET)


@pytest.mark.parametrize(
    ("role", "roles", "required"),
    [
        ("admin", ("admin", "coordinator"), True),
        ("viewer", ("admin", "coordinator"), False),
        ("admin", (), False),
    ],
)
def test_the_policy_names_the_roles_that_must_use_it(role, roles, required):
    assert rules.required(role, roles) is required
