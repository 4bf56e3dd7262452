"""Refuse request data no database column can hold, before any view sees it.

PostgreSQL rejects NUL characters in text, so one NUL in a form field, a query parameter or a
path segment would otherwise surface as a server error deep inside whichever view read it.
Ids in addresses are bounded to what an integer column holds (a larger one is 404, not an
overflow in the driver), and every date read from a query string goes through `query_day` (or
`QueryDateField`, its form field): a date outside 2000-2100 is a 400 with a message.
"""

from datetime import date

from flask import Flask, abort, make_response, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter
from wtforms import DateField

from portal.dates import EARLIEST_DAY, LATEST_DAY, DateOutOfRange, parse_day
from portal.errors import render_error

NUL = "\x00"
# The largest value of a 32-bit integer column (PostgreSQL's integer, the ids here).
DATABASE_ID_MAX = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """An <int:...> of ASCII digits from 1 to 2**31-1; anything else matches no route (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=1, max=DATABASE_ID_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def register_converters(app: Flask) -> None:
    """Make every <int:...> in a route a bounded database id."""
    app.url_map.converters["int"] = DatabaseIdConverter


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


def query_day(text: str | None) -> date | None:
    """Read a date from a query string: None when empty or malformed, 400 outside 2000-2100."""
    if not text:
        return None
    try:
        return parse_day(text)
    except DateOutOfRange:
        message = _(
            "Dates must lie between %(first)s and %(last)s.",
            first=EARLIEST_DAY.year,
            last=LATEST_DAY.year,
        )
        abort(make_response(render_error(400, message)))
    except ValueError:
        return None


class QueryDateField(DateField):
    """A yyyy-mm-dd field of a form read from the query string, bounded through `query_day`."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        self.data = query_day(valuelist[0])
        if self.data is None:
            raise ValueError(self.gettext("Not a valid date value."))


def init_app(app: Flask) -> None:
    """Run the check before every request."""
    app.before_request(refuse_nul_characters)
