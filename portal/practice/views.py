"""The practitioner's pages: dashboard, client page, flag acknowledgement, notes, messages and
the phone consult."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, pages
from portal.access import client_record_for_practitioner, roles_required
from portal.appointments.panels import client_page_context as appointments_panel
from portal.careteam.panels import client_page_context
from portal.checkins.forms import ACTIVITY_LABELS
from portal.dates import local_today
from portal.extensions import db, login_manager
from portal.messages import services as messages
from portal.messages.forms import HandledForm, MessageForm
from portal.messages.views import withdrawable
from portal.models import Flag, Note, Role, User
from portal.practice import alerts, consult, notes, queries, scores
from portal.practice import client_page as record_page
from portal.practice import dashboard as caseload
from portal.practice.forms import (
    AcknowledgeFlagForm,
    DashboardFilterForm,
    NoteForm,
    PhoneCheckInForm,
    WithdrawNoteForm,
)

bp = Blueprint("practice", __name__)

PERIODS = (30, 90)
MAX_PAGE = 100_000


@bp.before_request
def require_sign_in():
    """Send anonymous visitors to the login page; each view decides the rest."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _dashboard_filters(form: DashboardFilterForm) -> queries.DashboardFilters:
    """Keep the filters that validate; ignore the rest rather than fail."""
    form.validate()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= MAX_PAGE else 1
    sort = request.args.get("sort", "flags")
    return queries.DashboardFilters(
        sort=sort if sort in queries.SORT_KEYS else "flags",
        descending=request.args.get("dir") == "desc",
        flagged=bool(form.flagged.data) and not form.flagged.errors,
        silent=bool(form.silent.data) and not form.silent.errors,
        delivery_type=(form.delivery_type.data or None) if not form.delivery_type.errors else None,
        search=(form.q.data or None) if not form.q.errors else None,
        page=page,
    )


@bp.route("/")
@roles_required(Role.PRACTITIONER)
def dashboard():
    """List the practitioner's own clients, most urgent open flag first."""
    form = DashboardFilterForm(formdata=request.args)
    filters = _dashboard_filters(form)
    today = local_today(current_user.timezone)
    now = datetime.now(UTC)
    board = caseload.build_dashboard(current_user, filters, today, now)
    # The filters every sort and page link keeps (only those that validated).
    filter_args = {
        key: value
        for key, value in request.args.items()
        if key in ("q", "delivery_type", "flagged", "silent") and value and not form[key].errors
    }
    html = render_template(
        "practice/dashboard.html",
        board=board,
        form=form,
        filters=filters,
        filter_args=filter_args,
        page_args=filter_args
        | {
            "sort": filters.sort if filters.sort != "flags" else None,
            "dir": "desc" if filters.descending else None,
        },
        waiting=messages.waiting_list(current_user.id),
        now=now,
    )
    # It shows every listed client's scores, flags and check-ins: logged like a record view.
    caseload.record_dashboard_view(board)
    db.session.commit()
    return html


def _period() -> int:
    days = request.args.get("days", "")
    return int(days) if days.isdigit() and int(days) in PERIODS else PERIODS[0]


@dataclass(frozen=True)
class Panel:
    """A panel of the client page below its first screen: a template and what it needs."""

    template: str
    # (client, record, bound forms) -> extra template context; None when the page has it all.
    context: Callable[[User, record_page.ClientRecord, dict], dict] | None = None


# The panels below the first screen (open flags, latest scores, notes, score trends), in page
# order. A feature adds its panel here with a template and, if it needs one, a context function;
# the feature never imports this page.
CLIENT_PAGE_PANELS: tuple[Panel, ...] = (
    Panel(
        "appointments/_client_panel.html",
        lambda client, _record, _forms: appointments_panel(client),
    ),
    Panel("practice/_messages.html"),
    Panel("careteam/_client_contact.html"),
    Panel("practice/_phone_consult.html"),
    Panel("practice/_summary.html"),
    Panel("practice/_charts.html"),
    Panel("practice/_questionnaires.html"),
    Panel("practice/_checkins.html"),
    Panel("practice/_guidance.html"),
)


def _render_client_page(client: User, status: int = 200, **forms):
    """Render the client page (also with a posted form's errors) and log the view."""
    days = _period()
    today = local_today(client.timezone)
    record = record_page.client_record(client, days, today)
    checkin_form = forms.get("checkin_form") or PhoneCheckInForm(formdata=None)
    checkin_form.set_window(today, current_app.config["CHECKIN_BACKFILL_DAYS"])
    ack_forms = {
        alert.id: AcknowledgeFlagForm(formdata=None, prefix=f"flag-{alert.id}")
        for alert in record.open_alerts
    }
    ack_forms.update(forms.get("ack_forms", {}))
    withdraw_forms = {
        note.id: WithdrawNoteForm(formdata=None, prefix=f"note-{note.id}")
        for note in record.notes
        if note.withdrawn_at is None
    }
    withdraw_forms.update(forms.get("withdraw_forms", {}))
    thread = messages.thread_with_messages(client.id, current_user.id)
    if thread is not None:
        # Opening her record opens the conversation: her messages count as read from now
        # (before rendering, so the navigation's badge agrees).
        messages.mark_read(thread, reader_is_client=False)
    context = client_page_context(
        client, [view.flag for view in record.open_flags + record.closed_flags], forms
    )
    for panel in CLIENT_PAGE_PANELS:
        if panel.context is not None:
            context.update(panel.context(client, record, forms))
    html = render_template(
        "practice/client.html",
        record=record,
        client=client,
        periods=PERIODS,
        panels=[panel.template for panel in CLIENT_PAGE_PANELS],
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        checkin_form=checkin_form,
        ack_forms=ack_forms,
        withdraw_forms=withdraw_forms,
        open_section=forms.get("open_section"),
        activity_labels=ACTIVITY_LABELS,
        decimal=scores.format_hours,
        thread=thread,
        message_form=forms.get("message_form") or MessageForm(formdata=None, prefix="message"),
        handled_form=HandledForm(formdata=None, prefix="handled"),
        withdrawable=withdrawable([thread] if thread else [], current_user),
        now=datetime.now(UTC),
        **context,
    )
    # Committed after rendering: a commit expires the loaded rows, and the page reads them all.
    record_page.record_view(client, days)
    if thread is not None:
        audit.record("message_thread_viewed", client=client, detail=f"thread {thread.id}")
    db.session.commit()
    return html, status


pages.register(pages.CLIENT_PAGE, _render_client_page)


@bp.route("/clients/<int:client_id>/charts/<name>.svg")
def client_chart(client_id: int, name: str):
    """Draw one chart of the client page (the page holds its words)."""
    client = client_record_for_practitioner(client_id)
    days = request.args.get("days", default=PERIODS[0], type=int)
    if name not in record_page.CLIENT_CHARTS or days not in PERIODS:
        abort(404)
    chart = record_page.client_chart(client, name, days, local_today(current_user.timezone))
    return Response(chart.svg, mimetype="image/svg+xml")


@bp.route("/clients/<int:client_id>")
def client_page(client_id: int):
    """Show one client's record: profile, charts, check-ins, questionnaires, flags, notes."""
    client = client_record_for_practitioner(client_id)
    return _render_client_page(client)


def _back_to(client: User, code: int = 302):
    """Return to the client page, scrolled to where its confirmation is shown."""
    days = _period()
    # Every action here flashes a confirmation at the top of <main>; an anchor on the section
    # she acted in would scroll past it, so she would not see whether it worked.
    return redirect(
        url_for(
            "practice.client_page",
            client_id=client.id,
            days=days if days != PERIODS[0] else None,
            _anchor="main",
        ),
        code,
    )


@bp.route("/flags/<int:flag_id>/acknowledge", methods=["POST"])
def acknowledge_flag(flag_id: int):
    """Acknowledge an open flag with a note on what was done."""
    flag = db.session.get(Flag, flag_id)
    if flag is None:
        abort(404)
    client = client_record_for_practitioner(flag.client_id)
    form = AcknowledgeFlagForm(prefix=f"flag-{flag.id}")
    if form.validate_on_submit():
        if alerts.acknowledge_flag(flag, current_user, form.note.data):
            flash(_("The flag was acknowledged."), "success")
        else:
            flash(_("This flag was already acknowledged or has cleared."), "info")
        db.session.commit()
        return _back_to(client)
    return _render_client_page(client, 422, ack_forms={flag.id: form})


@bp.route("/clients/<int:client_id>/notes", methods=["POST"])
def create_note(client_id: int):
    """Write a note about the client, private or shared with her."""
    client = client_record_for_practitioner(client_id)
    form = NoteForm()
    if form.validate_on_submit():
        notes.create_note(client, current_user, form.body.data, bool(form.shared.data))
        db.session.commit()
        flash(_("The note was saved."), "success")
        return _back_to(client)
    return _render_client_page(client, 422, note_form=form)


def _note_or_404(client: User, note_id: int) -> Note:
    note = db.session.get(Note, note_id)
    if note is None or note.client_id != client.id:
        abort(404)
    return note


def _only_the_author(note: Note):
    # A note is the author's own statement: others may read it, only she or he may change it.
    if note.author_id != current_user.id:
        abort(403)


@bp.route("/clients/<int:client_id>/notes/<int:note_id>/edit", methods=["GET", "POST"])
def edit_note(client_id: int, note_id: int):
    """Change a note; the earlier wording is kept in its history."""
    client = client_record_for_practitioner(client_id)
    note = _note_or_404(client, note_id)
    _only_the_author(note)
    if note.withdrawn_at is not None:
        flash(_("A withdrawn note cannot be changed."), "info")
        return _back_to(client)
    form = NoteForm(obj=note if request.method == "GET" else None)
    if form.validate_on_submit():
        if notes.edit_note(note, current_user, form.body.data, bool(form.shared.data)):
            flash(_("The note was changed."), "success")
        db.session.commit()
        return _back_to(client)
    audit.record("client_record_viewed", client=client, detail=f"note {note.id}")
    db.session.commit()
    status = 422 if request.method == "POST" else 200
    names = queries.names_by_id({rev.edited_by_id for rev in note.revisions if rev.edited_by_id})
    return render_template(
        "practice/note_edit.html", client=client, note=note, form=form, names=names
    ), status


@bp.route("/clients/<int:client_id>/notes/<int:note_id>/withdraw", methods=["POST"])
def withdraw_note(client_id: int, note_id: int):
    """Withdraw a note with a reason; it stays in the record, marked as withdrawn."""
    client = client_record_for_practitioner(client_id)
    note = _note_or_404(client, note_id)
    _only_the_author(note)
    form = WithdrawNoteForm(prefix=f"note-{note.id}")
    if form.validate_on_submit():
        if notes.withdraw_note(note, current_user, form.reason.data):
            flash(_("The note was withdrawn."), "success")
        db.session.commit()
        return _back_to(client)
    return _render_client_page(client, 422, withdraw_forms={note.id: form})


@bp.route("/clients/<int:client_id>/messages", methods=["POST"])
def send_message(client_id: int):
    """Write to the client in the conversation between the two of them."""
    client = client_record_for_practitioner(client_id)
    form = MessageForm(prefix="message")
    if form.validate_on_submit():
        thread = messages.thread_between(client, current_user, create=True)
        messages.send_message(thread, current_user, form.body.data)
        db.session.commit()
        flash(_("The message was sent."), "success")
        return _back_to(client)
    return _render_client_page(client, 422, message_form=form)


@bp.route("/clients/<int:client_id>/messages/handled", methods=["POST"])
def mark_thread_handled(client_id: int):
    """Take her conversation off the waiting list: handled, no reply needed."""
    client = client_record_for_practitioner(client_id)
    form = HandledForm(prefix="handled")
    if not form.validate_on_submit():
        abort(400)
    thread = messages.thread_between(client, current_user)
    if thread is not None and messages.mark_handled(thread, current_user):
        flash(_("Marked as handled, no reply needed."), "success")
    else:
        flash(_("Nothing was waiting for an answer."), "info")
    db.session.commit()
    return _back_to(client)


@bp.route("/clients/<int:client_id>/checkins", methods=["POST"])
def record_checkin(client_id: int):
    """Record a check-in taken during a phone consult, marked as entered by the practitioner."""
    client = client_record_for_practitioner(client_id)
    form = PhoneCheckInForm()
    form.set_window(local_today(client.timezone), current_app.config["CHECKIN_BACKFILL_DAYS"])
    if client.profile is not None and client.profile.collection_paused:
        flash(
            _("She has paused the collection of her data, so nothing can be recorded now."),
            "error",
        )
        return _render_client_page(client, 409, checkin_form=form, open_section="checkin")
    if form.validate_on_submit():
        silent = consult.record_checkin_for_client(
            client, current_user, form.cleaned(), form.silent_note.data or None
        )
        db.session.commit()
        if silent == "acknowledged":
            flash(_("The check-in was saved and her no-check-in flag was acknowledged."), "success")
        elif silent == "open":
            flash(
                _(
                    "The check-in was saved. Her no-check-in flag stays open until she checks in "
                    "herself or you acknowledge it with a note."
                ),
                "info",
            )
        else:
            flash(_("The check-in was saved."), "success")
        return _back_to(client, 303)
    return _render_client_page(client, 422, checkin_form=form, open_section="checkin")
