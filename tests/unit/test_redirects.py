import pytest

from tracker.views.redirects import safe_next


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/tasks/3", "/tasks/3"),
        ("/tasks/?status=overdue&page=2", "/tasks/?status=overdue&page=2"),
        ("/review/#queue", "/review/#queue"),
        ("/\t/evil.example/", None),  # browsers drop the tab: //evil.example/
        ("/\n/evil.example/", None),
        ("/\r\n/evil.example/", None),
        ("/\\evil.example", None),  # and read a backslash as a slash
        ("//evil.example/", None),
        ("https://evil.example/", None),
        ("javascript:alert(1)", None),
        ("tasks/3", None),
        ("/a\x00b", None),
        ("", None),
        (None, None),
    ],
)
def test_only_a_path_on_this_site_is_kept(target, kept):
    assert safe_next(target) == kept
