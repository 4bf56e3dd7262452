"""The admin's access log (NEN 7513 style): filter by client, person and dates; CSV export."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from portal import audit
from portal.access import roles_required
from portal.auditlog.details import detail_in_words
from portal.auditlog.entries import action_label
from portal.careteam.sharing import RECIPIENT_ROLE
from portal.extensions import db
from portal.input_guard import QueryDateField
from portal.models import AuditEvent, Role, User
from portal.templating import ROLE_LABELS

bp = Blueprint("auditlog", __name__)

PER_PAGE = 50
MAX_PAGE = 100_000
# A spreadsheet opens a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class AccessLogFilterForm(FlaskForm):
    """Read from the query string; a value that does not validate is ignored."""

    class Meta:
        csrf = False

    client = SelectField(_l("Client"), coerce=int, default=0, validators=[Optional()])
    user = SelectField(_l("Done by"), coerce=int, default=0, validators=[Optional()])
    date_from = QueryDateField(_l("From"), validators=[Optional()])
    date_to = QueryDateField(_l("Up to and including"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date lies before the start date."))


def _people_choices(clients: bool) -> list[tuple[int, str]]:
    statement = sa.select(User.id, User.full_name, User.email).order_by(User.full_name, User.id)
    if clients:
        statement = statement.where(User.role == Role.CLIENT.value)
    everyone = _l("Everyone") if not clients else _l("All clients")
    return [(0, everyone)] + [
        (row.id, f"{row.full_name} ({row.email})") for row in db.session.execute(statement)
    ]


def _recipient_choices() -> list[tuple[int, str]]:
    """Offer the share-link recipients, who have no account, by their first log entry's id.

    The value is that entry's id, negated, so it never meets a user's id; the label is the
    name and address the entries carry.
    """
    statement = (
        sa.select(sa.func.min(AuditEvent.id), AuditEvent.actor_label)
        .where(AuditEvent.actor_role == RECIPIENT_ROLE, AuditEvent.actor_label.is_not(None))
        .group_by(AuditEvent.actor_label)
        .order_by(AuditEvent.actor_label)
    )
    return [(-first_id, str(_l("%(who)s (share link)", who=label)))
            for first_id, label in db.session.execute(statement)]


def _filtered(form: AccessLogFilterForm) -> tuple[sa.Select, list[str]]:
    """Build the log query from the filters that validated; return it and a safe summary."""
    form.client.choices = _people_choices(clients=True)
    recipients = _recipient_choices()
    form.user.choices = _people_choices(clients=False) + recipients
    form.validate()
    statement = sa.select(AuditEvent)
    described = []
    if form.client.data and not form.client.errors:
        statement = statement.where(AuditEvent.client_id == form.client.data)
        described.append(f"client {form.client.data}")
    if form.user.data and form.user.data < 0 and not form.user.errors:
        label = db.session.scalar(sa.select(AuditEvent.actor_label).where(
            AuditEvent.id == -form.user.data))
        statement = statement.where(AuditEvent.actor_role == RECIPIENT_ROLE,
                                    AuditEvent.actor_label == label)
        described.append(f"share recipient {-form.user.data}")
    elif form.user.data and not form.user.errors:
        statement = statement.where(AuditEvent.actor_id == form.user.data)
        described.append(f"user {form.user.data}")
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    if form.date_from.data and not form.date_from.errors:
        start = datetime.combine(form.date_from.data, time.min, zone).astimezone(UTC)
        statement = statement.where(AuditEvent.at >= start)
        described.append(f"from {form.date_from.data.isoformat()}")
    if form.date_to.data and not form.date_to.errors:
        end_day = form.date_to.data + timedelta(days=1)
        end = datetime.combine(end_day, time.min, zone).astimezone(UTC)
        statement = statement.where(AuditEvent.at < end)
        described.append(f"to {form.date_to.data.isoformat()}")
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), described


def _page() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) <= MAX_PAGE else 1


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv(statement: sa.Select) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "time_utc",
            "action",
            "action_label",
            "actor_id",
            "actor_role",
            "actor",
            "on_behalf_of_id",
            "client_id",
            "client",
            "detail",
            "ip_address",
        ]
    )
    for event in db.session.scalars(statement.execution_options(yield_per=1000)):
        writer.writerow(
            _cell(value)
            for value in (
                event.at.astimezone(UTC).isoformat(timespec="seconds"),
                event.action,
                action_label(event.action),
                event.actor_id,
                event.actor_role,
                event.actor_label,
                event.on_behalf_of_id,
                event.client_id,
                event.client_label,
                event.detail,
                event.ip_address,
            )
        )
    filename = f"access-log-{date.today().isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    """Show the access log, filtered and paginated, or download it as CSV."""
    form = AccessLogFilterForm(formdata=request.args)
    statement, described = _filtered(form)
    summary = ", ".join(described) or "all"
    if request.args.get("format") == "csv":
        audit.record("access_log_exported", detail=f"filters: {summary}")
        db.session.commit()
        return _csv(statement)
    audit.record("access_log_viewed", detail=f"filters: {summary}")
    db.session.commit()
    pagination = db.paginate(statement, page=_page(), per_page=PER_PAGE, error_out=False)
    filter_args = {
        key: value for key, value in request.args.items() if key not in ("page", "format") and value
    }
    return render_template(
        "auditlog/index.html",
        form=form,
        events=pagination.items,
        pagination=pagination,
        filter_args=filter_args,
        action_label=action_label,
        detail_in_words=detail_in_words,
        role_labels=ROLE_LABELS,
    )
