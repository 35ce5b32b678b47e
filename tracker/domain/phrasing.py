"""Turning task titles and unit lists into pieces of Vietnamese report prose."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

# Verbs (lower case, NFC) that open task titles officials write as actions: such a title reads
# as a predicate after "đã" / "chưa" ("đã ban hành danh mục ...").
ACTION_VERBS = frozenset(
    {
        "áp dụng",
        "ban hành",
        "báo cáo",
        "bảo đảm",
        "biên soạn",
        "bổ sung",
        "bồi dưỡng",
        "cải cách",
        "cập nhật",
        "chỉ đạo",
        "chia sẻ",
        "chuẩn hóa",
        "chuẩn hoá",
        "chuyển đổi",
        "công bố",
        "công khai",
        "cung cấp",
        "đánh giá",
        "đào tạo",
        "đảm bảo",
        "đăng ký",
        "đẩy mạnh",
        "đề xuất",
        "điều chỉnh",
        "đôn đốc",
        "đưa vào",
        "giám sát",
        "hoàn chỉnh",
        "hoàn tất",
        "hoàn thành",
        "hoàn thiện",
        "hợp nhất",
        "hướng dẫn",
        "kết nối",
        "khai thác",
        "khảo sát",
        "khắc phục",
        "kiểm tra",
        "kiện toàn",
        "làm sạch",
        "lấy ý kiến",
        "mở rộng",
        "nâng cấp",
        "nghiên cứu",
        "phát triển",
        "phân loại",
        "phê duyệt",
        "phổ biến",
        "phối hợp",
        "quán triệt",
        "rà soát",
        "sơ kết",
        "số hóa",
        "số hoá",
        "soạn thảo",
        "sửa đổi",
        "sử dụng",
        "tạo lập",
        "tăng cường",
        "tham mưu",
        "thành lập",
        "thí điểm",
        "thiết lập",
        "thống kê",
        "thực hiện",
        "tích hợp",
        "tiếp nhận",
        "tổ chức",
        "tổng hợp",
        "tổng kết",
        "triển khai",
        "tuyên truyền",
        "ứng dụng",
        "vận hành",
        "xác định",
        "xác lập",
        "xác thực",
        "xây dựng",
        "xử lý",
        "cấp",
        "gửi",
        "ký",
        "lập",
        "nộp",
        "trình",
    }
)
_LONGEST_VERB = max(len(verb.split()) for verb in ACTION_VERBS)
_WORD = re.compile(r"[^\W\d_]+")


@functools.lru_cache(maxsize=4096)  # a programme's few hundred titles, read by every summary
def action_phrase(title: str) -> str | None:
    """Return the title as a predicate to follow "đã" ("ban hành danh mục ..."), or None when
    it does not open with an action verb ("CSDL ...", "Bộ Y tế ...": the caller quotes it)."""
    text = unicodedata.normalize("NFC", " ".join(title.split())).rstrip(" .;")
    if not _starts_with_verb(text):
        return None
    return text[:1].lower() + text[1:]  # a verb is never an abbreviation or a proper noun


def _starts_with_verb(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text.split(",", 1)[0])[:_LONGEST_VERB]]
    leading = text.split(maxsplit=1)[:1]
    if not words or not leading or not leading[0][:1].isalpha():
        return False
    return any(" ".join(words[:n]) in ACTION_VERBS for n in range(len(words), 0, -1))


def join_names(names: Sequence[str], conjunction: str) -> str:
    """Return "A, B <conjunction> C"; "A; B; C" when a name holds a comma, as official lists
    do, since "Bộ Văn hóa, Thể thao và Du lịch" would blur a comma- or "và"-joined list."""
    items = [" ".join(name.split()) for name in names]
    if any("," in item for item in items):
        return "; ".join(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
