"""Language and time zone selection: the user's choice, then a cookie, then Dutch."""

from flask import current_app, request
from flask_login import current_user

LOCALE_COOKIE = "portal_locale"


def supported_locales() -> tuple[str, ...]:
    """Return the languages the portal is translated into."""
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Pick the locale for this request."""
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
