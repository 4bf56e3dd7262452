"""Language and time zone selection: the user's choice, then a cookie, then Dutch."""

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, request
from flask_babel import get_locale, get_timezone
from flask_login import current_user

LOCALE_COOKIE = "portal_locale"
# Dates in English are written the British way (1 Dec 2026, 01/12/2026), not the US way.
DATE_LOCALES = {"en": "en_GB"}


def supported_locales() -> tuple[str, ...]:
    """Return the languages the portal is translated into."""
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Pick the locale for this request."""
    # The help and offline pages can be asked for in a language (the service worker keeps both
    # languages of each for use offline).
    asked = request.args.get("lang")
    if request.endpoint in ("public.help_now", "public.offline") and asked in supported_locales():
        return asked
    if current_user and current_user.is_authenticated and current_user.locale:
        if current_user.locale in supported_locales():
            return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported_locales():
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Pick the time zone for formatting: the user's own, else the practice's."""
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def date_locale(language: str | None = None) -> str:
    """Return the locale dates are written in for a language (this request's by default)."""
    language = language or str(get_locale())
    return DATE_LOCALES.get(language, language)


def format_day(value, style: str = "medium") -> str:
    """Format a calendar date in the reader's language, British style for English."""
    return babel_format_date(value, style, locale=date_locale())


def format_moment(value, style: str = "medium") -> str:
    """Format a UTC moment in the reader's time zone and language."""
    return babel_format_datetime(value, style, tzinfo=get_timezone(), locale=date_locale())
