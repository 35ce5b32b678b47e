"""The mailbox shows mail as escaped text with its web addresses as links."""

from __future__ import annotations

import pytest

from tracker.views.mailbox import linked


def _a(url: str) -> str:
    return f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Xem https://a.vn/x", "Xem " + _a("https://a.vn/x")),
        ("(https://a.vn/x).", "(" + _a("https://a.vn/x") + ")."),
        ("https://a.vn/?a=1&b=2,", _a("https://a.vn/?a=1&amp;b=2") + ","),
        ("http://a.vn\nhttps://b.vn", _a("http://a.vn") + "\n" + _a("https://b.vn")),
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
        ('https://a.vn/"onmouseover="x', _a("https://a.vn/") + "&#34;onmouseover=&#34;x"),
        ("javascript:alert(1) ftp://a.vn", "javascript:alert(1) ftp://a.vn"),
        ("Không có liên kết.", "Không có liên kết."),
    ],
)
def test_addresses_become_links_and_nothing_else_is_markup(text, html):
    assert str(linked(text)) == html
