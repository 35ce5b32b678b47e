"""Numbers in each language, and templates' translations following the active locale."""

import pytest
from babel.numbers import format_decimal, format_percent
from flask import Flask, render_template_string
from flask_babel import force_locale, gettext, lazy_gettext

from tracker import i18n


@pytest.fixture(scope="module")
def app():
    app = Flask(__name__)
    app.config.update(BABEL_DEFAULT_LOCALE="vi", LANGUAGES=["vi", "en"], TIMEZONE="UTC")
    i18n.init_app(app)

    @app.get("/words")
    def words():
        said = []
        for code in ("vi", "en", "vi"):
            with force_locale(code):
                said += [gettext("Overdue"), str(lazy_gettext("Sign in"))]
        return "|".join(said)

    return app


@pytest.mark.parametrize(
    ("value", "digits", "vi", "en"),
    [
        (0, 0, "0", "0"),
        (7, 0, "7", "7"),
        (999, 0, "999", "999"),
        (1000, 0, "1.000", "1,000"),
        (16051, 0, "16.051", "16,051"),
        (1050000, 0, "1.050.000", "1,050,000"),
        (-1234, 0, "-1.234", "-1,234"),
        (98.62, 2, "98,62", "98.62"),
        (1234.5, 1, "1.234,5", "1,234.5"),
        (0.125, 2, "0,12", "0.12"),  # half to even, as Babel rounds
        (3, 2, "3,00", "3.00"),
        (2.0, 0, "2", "2"),
    ],
)
def test_numbers_are_grouped_and_pointed_in_each_language(app, value, digits, vi, en):
    _in_each_language(app, i18n.format_number, format_decimal, "", value, digits, vi, en)


@pytest.mark.parametrize(
    ("value", "digits", "vi", "en"),
    [
        (1, 2, "100,00%", "100.00%"),
        (0.9862, 2, "98,62%", "98.62%"),
        (0, 2, "0,00%", "0.00%"),
        (12.3456, 1, "1.234,6%", "1,234.6%"),
        (0.5, 0, "50%", "50%"),
    ],
)
def test_rates_are_percentages_in_each_language(app, value, digits, vi, en):
    _in_each_language(app, i18n.format_rate, format_percent, "%", value, digits, vi, en)


def _in_each_language(app, ours, babels, suffix, value, digits, vi, en):
    """Check ``ours`` gives the expected text in each language, as Babel's own function
    with the same pattern does."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + suffix
    with app.test_request_context():
        for code, expected in (("vi", vi), ("en", en)):
            with force_locale(code):
                assert ours(value, digits) == expected
                assert expected == babels(value, format=pattern, locale=code)


def test_format_number_leaves_nothing_for_none(app):
    with app.test_request_context(), force_locale("en"):
        assert i18n.format_number(None) == ""


def test_templates_translate_in_the_locale_in_force_even_when_it_changes_mid_request(app):
    page = (
        "{{ _('Overdue') }}|{{ ngettext('%(count)s ministry or agency has not completed it yet',"
        " '%(count)s ministries and agencies have not completed it yet', 3, count=3) }}"
    )
    with app.test_request_context():
        with force_locale("vi"):
            assert render_template_string(page) == "Quá hạn|còn 3 bộ, ngành chưa hoàn thành"
            assert i18n.language() == "vi"
        with force_locale("en"):
            english = "Overdue|3 ministries and agencies have not completed it yet"
            assert render_template_string(page) == english
            assert i18n.language() == "en"
        with force_locale("vi"):  # back again: the kept catalog is not the English one
            assert render_template_string(page).startswith("Quá hạn|")


def test_python_code_translates_in_the_locale_in_force_during_a_request(app):
    words = app.test_client().get("/words").get_data(as_text=True)
    assert words == "Quá hạn|Đăng nhập|Overdue|Sign in|Quá hạn|Đăng nhập"
