"""Search text and ranking patterns, checked with a LIKE ... ESCAPE '/' written here."""

import re

import pytest

from tracker.domain.search import (
    contains_pattern,
    field_tiers,
    normalise,
    task_search_text,
    task_tiers,
)


def like(pattern: str, text: str) -> bool:
    """Return whether ``text`` matches ``pattern`` as SQL's LIKE with ESCAPE '/' would."""
    out, chars = [], iter(pattern)
    for ch in chars:
        if ch == "/":
            out.append(re.escape(next(chars)))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.fullmatch("".join(out), text, re.DOTALL) is not None


def rank(tiers: list[tuple[str, ...]], text: str) -> int:
    return next((i for i, tier in enumerate(tiers) if any(like(p, text) for p in tier)), len(tiers))


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("du lieu", "du lieu"),
        ("DU LIEU", "du lieu"),
        ("DỮ LIỆU", "du lieu"),
        ("  Hà   Nội\n", "ha noi"),
        ("1738/KH-UBND", "1738/kh-ubnd"),
    ],
)
def test_a_query_is_folded_with_its_spaces_made_one(typed, folded):
    assert normalise(typed) == folded


@pytest.mark.parametrize(
    ("query", "text", "found"),
    [
        ("50%", "tang 50% so ho so", True),
        ("50%", "tang 500 ho so", False),
        ("a_b", "ma a_b", True),
        ("a_b", "ma axb", False),
        ("1738/kh-ubnd", "so 1738/kh-ubnd", True),
        ("1738/kh-ubnd", "so 1738xkh-ubnd", False),
        ("du lieu", "co so du lieu so", True),
    ],
)
def test_what_a_person_types_is_matched_literally(query, text, found):
    assert like(contains_pattern(query), text) is found


TASK = task_search_text(
    "Xây dựng cơ sở dữ liệu dân cư",
    "1738/KH-UBND",
    "Kế hoạch CĐS năm 2024",
    "Kết nối, chia sẻ\n dữ liệu với các bộ",
)


def test_a_tasks_search_text_has_its_title_first_and_one_line_break():
    assert TASK == (
        "xay dung co so du lieu dan cu\n1738/kh-ubnd\tke hoach cds nam 2024\t"
        "ket noi, chia se du lieu voi cac bo"
    )


@pytest.mark.parametrize(
    ("query", "tier"),
    [
        ("xay dung co so du lieu dan cu", 0),  # the whole title
        ("1738/kh-ubnd", 0),  # the source number
        ("xay dung", 1),  # the title's start
        ("du lieu", 2),  # a word of the title
        ("ieu dan", 3),  # inside the title
        ("ke hoach", 4),  # a word of the source document
        ("chia se", 4),  # a word of the description
        ("ket noi", 4),  # the description's first word
        ("hia se", 5),  # inside the description
    ],
)
def test_task_matches_rank_the_title_before_the_other_fields(query, tier):
    assert like(contains_pattern(query), TASK)
    assert rank(task_tiers(query), TASK) == tier


def test_a_task_with_no_source_fields_still_ranks_its_title():
    text = task_search_text("Báo cáo 50% kết quả", None, None, None)
    assert rank(task_tiers("50%"), text) == 2
    assert rank(task_tiers("bao cao 50% ket qua"), text) == 0


@pytest.mark.parametrize(
    ("query", "text", "tier"),
    [
        ("thanh pho ha noi", "thanh pho ha noi", 0),
        ("thanh pho", "thanh pho ha noi", 1),
        ("ha noi", "thanh pho ha noi", 2),
        ("a noi", "thanh pho ha noi", 3),
        ("1738", "1738/kh-ubnd", 1),
        ("kh-ubnd", "1738/kh-ubnd", 3),
    ],
)
def test_field_matches_rank_exact_then_start_then_word_then_inside(query, text, tier):
    assert rank(field_tiers(query), text) == tier
