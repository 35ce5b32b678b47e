import pytest

from tracker.domain.devices import describe

WIN_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (WIN_CHROME, ("Chrome", "Windows")),
        (WIN_CHROME + " Edg/131.0.0.0", ("Edge", "Windows")),
        (WIN_CHROME.replace("Chrome/", "coc_coc_browser/129.0.0 Chrome/"), ("Cốc Cốc", "Windows")),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            ("Safari", "iPhone"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            ("Chrome", "Android"),
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            ("Firefox", "Linux"),
        ),
        ("python-httpx/0.27.0", (None, None)),
        ("", (None, None)),
    ],
)
def test_a_user_agent_is_told_as_a_browser_and_a_system(agent, expected):
    assert describe(agent) == expected
