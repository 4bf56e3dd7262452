"""Refuse request data no database column can hold, before any view sees it.

PostgreSQL rejects NUL characters in text, so one NUL in a form field, a query parameter or a
path segment would otherwise surface as a server error deep inside whichever view read it.
"""

from flask import Flask, request
from flask_babel import gettext as _

from portal.errors import render_error

NUL = "\x00"


def _has_nul(values) -> bool:
    return any(NUL in key or any(NUL in value for value in items) for key, items in values.lists())


def refuse_nul_characters():
    """Answer 400 with a clear message when the request carries a NUL character."""
    if NUL in request.path or _has_nul(request.args):
        return render_error(400, _("The address contains characters the portal cannot read."))
    if request.method in ("POST", "PUT", "PATCH") and _has_nul(request.form):
        return render_error(
            400,
            _(
                "The form contains characters the portal cannot store. "
                "Please remove them and try again."
            ),
        )
    return None


def init_app(app: Flask) -> None:
    """Run the check before every request."""
    app.before_request(refuse_nul_characters)
