"""Language and formatting: Vietnamese by default, English on request, dd/mm/yyyy always."""

from __future__ import annotations

import functools
import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_timedelta
from babel.numbers import NumberPattern, parse_pattern
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, request, session
from flask.globals import _cv_app
from flask_babel import Domain, get_domain, get_locale
from flask_login import current_user

from tracker.extensions import babel


def select_locale() -> str:
    """Return the signed-in user's language, else the session's choice, else the default;
    an API request: the language its ``Accept-Language`` asks for, else the default."""
    languages = current_app.config["LANGUAGES"]
    if request and request.path.startswith("/api/v1/"):
        asked = request.accept_languages.best_match(languages)
        return asked or current_app.config["BABEL_DEFAULT_LOCALE"]
    user_language = getattr(current_user, "language", None) if current_user else None
    if user_language in languages:
        return user_language
    chosen = session.get("language") if request else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"),
    )
    # Flask-Babel looks the locale and its catalog up again for each string (a page
    # translates a few hundred); the templates' callables and the request's domain keep
    # them for the request.
    domain = _KeptDomain()
    app.before_request(domain.as_default)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _context_globals():
    """Return the app context's ``g``, or None outside one: read from the context variable
    itself, since the ``g`` proxy's lookup costs more than the rest of a translation."""
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.g


def _active_locale(store=None) -> Locale | None:
    """Return the locale Flask-Babel has settled on for this context, or None when it has
    not chosen one yet (or was told to choose again: ``refresh``)."""
    found = getattr(store or _context_globals(), "_flask_babel", None)
    return getattr(found, "babel_locale", None)


def translations() -> Translations | NullTranslations:
    """Return the active catalog, as ``flask_babel.get_translations`` does, kept in the
    context beside the locale it belongs to (``force_locale`` and ``refresh`` change it)."""
    store = _context_globals()
    locale = _active_locale(store)
    if locale is not None:
        kept = getattr(store, "_tracker_translations", None)
        if kept is not None and kept[0] is locale:
            return kept[1]
    found = Domain.get_translations(get_domain())
    locale = _active_locale(store)  # chosen by that call when it was not yet
    if locale is not None:
        store._tracker_translations = (locale, found)
    return found


def gettext(string: str, **variables) -> str:
    """``flask_babel.gettext`` reading the catalog through ``translations``: the same text,
    without Flask-Babel's per-call domain and context lookups (code that composes many
    sentences, such as the narrative, calls it hundreds of times a page)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """``flask_babel.ngettext`` reading the catalog through ``translations``."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


class _KeptDomain(Domain):
    """The default domain, reading its catalog through ``translations``: what Python code
    translates (``gettext``, lazy strings) skips Flask-Babel's lookups as templates do."""

    def get_translations(self) -> Translations | NullTranslations:
        return translations()


def language() -> str:
    """Return the active language code ("vi" or "en")."""
    locale = _active_locale() or get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"][:2]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def format_day(value: date | datetime | None) -> str:
    """Return a date as dd/mm/yyyy in every language (Babel's short vi format is not that)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone()).date()
    return value.strftime("%d/%m/%Y")


def format_moment(value: datetime | None) -> str:
    """Return an instant as dd/mm/yyyy HH:MM in the programme's time zone."""
    if value is None:
        return ""
    return value.astimezone(_zone()).strftime("%d/%m/%Y %H:%M")


@functools.cache
def _number_pattern(digits: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


@functools.cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


def format_number(value: float | int | None, digits: int = 0) -> str:
    """Return a number in the active locale (Vietnamese: 16.051 and 98,62).

    As ``babel.numbers.format_decimal`` with that pattern, which parses the pattern and the
    locale on every call: a scorecard page formats hundreds of numbers."""
    if value is None:
        return ""
    code = language()
    if digits == 0 and type(value) is int:  # counts, the most of them: Python groups them
        return f"{value:,}".replace(",", group_symbol(code))
    return _number_pattern(digits).apply(value, _babel_locale(code))


@functools.cache
def group_symbol(code: str) -> str:
    """Return the thousands separator of ``code`` (Vietnamese "." and English ",")."""
    return _number_pattern(0).apply(1000, _babel_locale(code))[1]


def format_duration(value: timedelta | None) -> str:
    """Return a length of time in words in the active locale, to the largest whole unit
    (Vietnamese: "23 phút", "2 giờ")."""
    if value is None:
        return ""
    return format_timedelta(value, threshold=1, locale=language())


def format_rate(value: float | None, digits: int = 2) -> str:
    """Return a ratio as a percentage in the active locale (Vietnamese: 98,62%)."""
    if value is None:
        return "—"
    return _percent_pattern(digits).apply(value, _babel_locale(language()))


@functools.cache
def _percent_pattern(digits: int) -> NumberPattern:
    """Return the pattern of ``format_rate`` (``format_percent`` parses it on every call)."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else "") + "%")
