import pytest

from tracker.domain.text import collation_key, fold, unit_sort_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đắk Lắk", "dak lak"),
        ("  Thừa Thiên Huế ", "thua thien hue"),
        ("Ủy ban Dân tộc", "uy ban dan toc"),
        ("BTTTT", "btttt"),
        ("Bà Rịa - Vũng Tàu", "ba ria - vung tau"),
    ],
)
def test_fold_drops_diacritics_and_case(text, expected):
    assert fold(text) == expected


def test_fold_treats_decomposed_input_like_composed():
    import unicodedata

    assert fold(unicodedata.normalize("NFD", "Đắk Lắk")) == "dak lak"


def test_unit_sort_key_orders_provinces_by_name_without_their_prefix():
    names = ["Tỉnh Bạc Liêu", "Thành phố Hà Nội", "Tỉnh An Giang", "Tỉnh Bắc Kạn", "Tỉnh Đắk Lắk"]
    ordered = sorted(names, key=unit_sort_key)
    assert ordered == [
        "Tỉnh An Giang",
        "Tỉnh Bạc Liêu",  # a before ă, whatever the tone
        "Tỉnh Bắc Kạn",
        "Tỉnh Đắk Lắk",
        "Thành phố Hà Nội",
    ]


def test_unit_sort_key_keeps_ministry_names_whole():
    ministries = ["Ủy ban Dân tộc", "Văn phòng Chính phủ", "Bộ Y tế", "Bảo hiểm xã hội Việt Nam"]
    assert sorted(ministries, key=unit_sort_key) == [
        "Bảo hiểm xã hội Việt Nam",
        "Bộ Y tế",
        "Ủy ban Dân tộc",
        "Văn phòng Chính phủ",
    ]


@pytest.mark.parametrize(
    "ordered",
    [
        ["a", "ă", "â", "b"],
        ["d", "đ", "e", "ê", "g"],
        ["o", "ô", "ơ", "p"],
        ["u", "ư", "v"],
        ["ma", "mà", "mả", "mã", "má", "mạ"],  # tones break ties only
        ["mạ", "mai"],  # letters before tones
        ["Đà Nẵng", "Điện Biên", "Đồng Nai"],
    ],
)
def test_collation_follows_the_vietnamese_alphabet(ordered):
    assert sorted(reversed(ordered), key=collation_key) == ordered
