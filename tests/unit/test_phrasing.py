import unicodedata

import pytest

from tracker.domain.phrasing import action_phrase, join_names


@pytest.mark.parametrize(
    ("title", "phrase"),
    [
        (
            "Ban hành danh mục cơ sở dữ liệu dùng chung",
            "ban hành danh mục cơ sở dữ liệu dùng chung",
        ),
        (
            "Xây dựng, trình ban hành Kế hoạch phát triển kinh tế số",
            "xây dựng, trình ban hành Kế hoạch phát triển kinh tế số",
        ),
        ("Phê duyệt hồ sơ đề xuất cấp độ", "phê duyệt hồ sơ đề xuất cấp độ"),
        ("Hướng dẫn thi hành Luật Lưu trữ (sửa đổi)", "hướng dẫn thi hành Luật Lưu trữ (sửa đổi)"),
        ("Lập Kế hoạch năm 2025.", "lập Kế hoạch năm 2025"),
        ("Báo cáo tháng 6/2024", "báo cáo tháng 6/2024"),
        ("  Tổ   chức hội nghị ", "tổ chức hội nghị"),
        ("Số hoá hồ sơ", "số hoá hồ sơ"),
    ],
)
def test_a_title_opening_with_a_verb_reads_after_da(title, phrase):
    assert action_phrase(title) == phrase


@pytest.mark.parametrize(
    "title",
    [
        "CSDL quốc gia về đất đai",
        "Bộ Y tế trình Đề án chuyển đổi số y tế",
        "Kế hoạch chuyển đổi số năm 2025",
        "Ban chỉ đạo họp định kỳ",
        "100% hồ sơ được số hóa",
        "“Ban hành” quy chế",
        "",
    ],
)
def test_a_title_not_opening_with_a_verb_has_no_phrase(title):
    assert action_phrase(title) is None


def test_decomposed_titles_are_recognised():
    title = unicodedata.normalize("NFD", "Triển khai phương án")
    assert action_phrase(title) == "triển khai phương án"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ""),
        (["Bộ Y tế"], "Bộ Y tế"),
        (["Bộ Y tế", "Tỉnh Lào Cai"], "Bộ Y tế và Tỉnh Lào Cai"),
        (["Bộ Ngoại giao", "Bộ Y tế", "Tỉnh Lào Cai"], "Bộ Ngoại giao, Bộ Y tế và Tỉnh Lào Cai"),
        (
            ["Bộ Tài chính", "Bộ Văn hóa, Thể thao và Du lịch", "Bộ Y tế"],
            "Bộ Tài chính; Bộ Văn hóa, Thể thao và Du lịch; Bộ Y tế",
        ),
        (["Bộ Văn hóa, Thể thao và Du lịch"], "Bộ Văn hóa, Thể thao và Du lịch"),
    ],
)
def test_join_names_lists_units_as_officials_do(names, expected):
    assert join_names(names, "và") == expected
