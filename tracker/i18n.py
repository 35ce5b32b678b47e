"""Language and formatting: Vietnamese by default, English on request, dd/mm/yyyy always."""

from __future__ import annotations

import functools
import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_timedelta
from babel.numbers import NumberPattern, format_percent, parse_pattern
from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from tracker.extensions import babel


def select_locale() -> str:
    """Return the signed-in user's language, else the session's choice, else the default."""
    languages = current_app.config["LANGUAGES"]
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


def language() -> str:
    """Return the active language code ("vi" or "en")."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])[:2]


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
    return _number_pattern(digits).apply(value, _babel_locale(language()))


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
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=language())
