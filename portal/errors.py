"""Error pages in the portal's layout and language."""

import math
import time

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal import database
from portal.extensions import db, limiter

MESSAGES = {
    400: (
        _l("Something went wrong with that request"),
        _l("The page could not handle what was sent. Please go back and try again."),
    ),
    403: (
        _l("This page is not for your account"),
        _l("You are signed in, but this page belongs to another role."),
    ),
    404: (_l("Page not found"), _l("This page does not exist, or it is not available to you.")),
    405: (
        _l("That does not work here"),
        _l("This page cannot be used this way. Please go back and try again."),
    ),
    413: (
        _l("That was too much at once"),
        _l("What you sent is too large. Please send something smaller."),
    ),
    429: (
        _l("Please wait a moment"),
        _l(
            "There were too many attempts in a short time. Please wait a few minutes and try again."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Your last step may not have been saved. Please try again in a moment."),
    ),
}


def wait_seconds() -> int:
    """Return how long until the limit that refused this request has room again."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def too_many(seconds: int):
    """Render the 429 page saying how long to wait, with a Retry-After header."""
    from flask_babel import ngettext

    if seconds < 120:
        wait = ngettext("%(num)d second", "%(num)d seconds", seconds)
    else:
        minutes = max(2, round(seconds / 60))
        wait = ngettext("%(num)d minute", "%(num)d minutes", minutes)
    body, status = render_error(429, _l(
        "There were too many attempts in a short time. Please wait %(wait)s and try again.",
        wait=wait))
    return body, status, {"Retry-After": str(seconds)}


def render_error(code: int, detail: str | None = None):
    """Render the error page for an HTTP status code."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def register(app: Flask) -> None:
    """Attach the handlers for the status codes a browser can meet."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from flask_babel import gettext as _

        return render_error(
            400,
            _(
                "This form has expired or was not sent from the portal. "
                "Please reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code not in MESSAGES:
            return error
        if isinstance(error, RateLimitExceeded):
            return too_many(wait_seconds())
        return render_error(code)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        # A dropped database connection is not her problem: a safe request runs once more.
        retried = database.retry_after_disconnect(app, error)
        if retried is not None:
            return retried
        app.logger.exception("unhandled error")
        return render_error(500)
