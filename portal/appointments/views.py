"""Appointments: she books, moves and cancels; the practitioner's hours, calendar and feed."""

from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.access import client_record_for_practitioner, roles_required
from portal.appointments import services
from portal.appointments.forms import (
    WEEKDAYS,
    BookForClientForm,
    ChooseTimeForm,
    ExceptionForm,
    RulesForm,
    WeeklyHoursForm,
)
from portal.appointments.slots import PRACTICE_TIMEZONE
from portal.dates import local_today
from portal.extensions import db, limiter
from portal.input_guard import query_day
from portal.labels import rule_label
from portal.models import APPOINTMENT_KINDS, AvailabilityException, Role, User, WeeklyHours

bp = Blueprint("appointments", __name__)


@bp.app_context_processor
def appointment_labels() -> dict:
    """Give templates the words for kinds of appointment and weekdays."""
    return {"appointment_kind_labels": services.KIND_LABELS,
            "weekday_labels": dict(WEEKDAYS),
            "appointment_when": _when,
            "slot_time": _clock,
            "flag_rule_label": rule_label}


def _when(moment, style: str = "EEEE d MMMM, HH:mm") -> str:
    return services.when_text(moment, str(get_locale()), style)


def _clock(moment) -> str:
    return services.when_text(moment, str(get_locale()), "HH:mm")


def _me() -> User:
    return current_user._get_current_object()


def _grouped_by_day(slots) -> "OrderedDict[date, list]":
    days: OrderedDict[date, list] = OrderedDict()
    for slot in slots:
        days.setdefault(slot.local_start(PRACTICE_TIMEZONE).date(), []).append(slot)
    return days


# --- her pages -----------------------------------------------------------------------------


@bp.route("/me/appointments/")
@roles_required(Role.CLIENT)
def index():
    """Show her appointments and the kinds she can book."""
    client = _me()
    practitioner = services.practitioner_of(client)
    kinds = services.offered_kinds(practitioner.id) if practitioner else []
    if len(kinds) == 1 and request.args.get("book"):
        return redirect(url_for("appointments.choose_time", kind=kinds[0]))
    return render_template(
        "appointments/index.html",
        upcoming=services.upcoming_for_client(client.id),
        practitioner=practitioner,
        kinds=kinds,
        may_change=services.may_change,
    )


def _kind_or_404(kind: str) -> str:
    if kind not in APPOINTMENT_KINDS:
        abort(404)
    return kind


@bp.route("/me/appointments/book/<kind>")
@roles_required(Role.CLIENT)
def choose_time(kind: str):
    """List the free times of one kind for the coming weeks."""
    _kind_or_404(kind)
    practitioner = services.practitioner_of(_me())
    slots = services.open_slots(practitioner.id, kind=kind) if practitioner else []
    return render_template("appointments/choose_time.html", kind=kind,
                           days=_grouped_by_day(slots), practitioner=practitioner,
                           confirm_endpoint="appointments.confirm", endpoint_args={"kind": kind})


def _render_confirm(kind: str, form: ChooseTimeForm, status: int, *, taken: bool = False,
                    appointment=None):
    practitioner = services.practitioner_of(_me())
    moment = getattr(form.start, "moment", None)
    slots = []
    if taken and practitioner:
        slots = services.open_slots(practitioner.id, kind=kind,
                                    moving=appointment)[:12]
    return render_template(
        "appointments/confirm.html", form=form, kind=kind, moment=moment, taken=taken,
        practitioner=practitioner, appointment=appointment, days=_grouped_by_day(slots),
    ), status


def _confirm_page(kind: str, form: ChooseTimeForm, appointment=None):
    """Show the chosen time with its button, or say it was just taken or is not offered."""
    practitioner = services.practitioner_of(_me())
    state = services.slot_state(practitioner.id, kind, form.start.moment,
                                moving=appointment) if practitioner else "not offered"
    if state == "taken":
        return _render_confirm(kind, form, 409, taken=True, appointment=appointment)
    if state != "free":
        form.start.errors = [_("This time can no longer be booked. Please choose another.")]
        return _render_confirm(kind, form, 422, appointment=appointment)
    return _render_confirm(kind, form, 200, appointment=appointment)


@bp.route("/me/appointments/book/<kind>/confirm", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def confirm(kind: str):
    """Show the chosen time with one button; book it when pressed."""
    _kind_or_404(kind)
    form = ChooseTimeForm(formdata=request.form if request.method == "POST" else request.args,
                          meta={"csrf": request.method == "POST"})
    if not form.validate():
        return _render_confirm(kind, form, 422)
    if request.method == "GET":
        return _confirm_page(kind, form)
    try:
        appointment = services.book(_me(), kind, form.start.moment, booked_by=_me())
    except services.SlotTaken:
        db.session.rollback()
        return _render_confirm(kind, form, 409, taken=True)
    except services.BookingError:
        db.session.rollback()
        form.start.errors = [_("This time can no longer be booked. Please choose another.")]
        return _render_confirm(kind, form, 422)
    audit.record("appointment_booked", client=_me(), detail=f"appointment {appointment.id}")
    db.session.commit()
    flash(_("Your appointment is booked. We sent you a confirmation by e-mail."), "success")
    return redirect(url_for("appointments.index"), 303)


def _own_or_404(appointment_id: int):
    appointment = services.own_appointment(current_user.id, appointment_id)
    if appointment is None:
        audit.record("authorisation_denied", detail=request.path)
        db.session.commit()
        abort(404)
    return appointment


@bp.route("/me/appointments/<int:appointment_id>/move")
@roles_required(Role.CLIENT)
def move_choose(appointment_id: int):
    """List the free times she can move her appointment to."""
    appointment = _own_or_404(appointment_id)
    if not services.may_change(appointment):
        return render_template("appointments/too_late.html", appointment=appointment), 409
    slots = services.open_slots(appointment.practitioner_id, kind=appointment.kind,
                                moving=appointment)
    return render_template("appointments/choose_time.html", kind=appointment.kind,
                           days=_grouped_by_day(slots), practitioner=appointment.practitioner,
                           appointment=appointment, confirm_endpoint="appointments.move_confirm",
                           endpoint_args={"appointment_id": appointment.id})


@bp.route("/me/appointments/<int:appointment_id>/move/confirm", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def move_confirm(appointment_id: int):
    """Show the new time with one button; move the appointment when pressed."""
    appointment = _own_or_404(appointment_id)
    if not services.may_change(appointment):
        return render_template("appointments/too_late.html", appointment=appointment), 409
    form = ChooseTimeForm(formdata=request.form if request.method == "POST" else request.args,
                          meta={"csrf": request.method == "POST"})
    if not form.validate():
        return _render_confirm(appointment.kind, form, 422, appointment=appointment)
    if request.method == "GET":
        return _confirm_page(appointment.kind, form, appointment)
    try:
        services.move(appointment, form.start.moment, by=_me())
    except services.SlotTaken:
        db.session.rollback()
        return _render_confirm(appointment.kind, form, 409, taken=True, appointment=appointment)
    except services.BookingError:
        db.session.rollback()
        form.start.errors = [_("This time can no longer be booked. Please choose another.")]
        return _render_confirm(appointment.kind, form, 422, appointment=appointment)
    audit.record("appointment_moved", client=_me(), detail=f"appointment {appointment.id}")
    db.session.commit()
    flash(_("Your appointment has moved. We sent you the new time by e-mail."), "success")
    return redirect(url_for("appointments.index"), 303)


@bp.route("/me/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def cancel(appointment_id: int):
    """Ask once whether she wants to cancel; cancel when she confirms."""
    appointment = _own_or_404(appointment_id)
    if appointment.cancelled_at is not None:
        return redirect(url_for("appointments.index"), 303)
    if not services.may_change(appointment):
        return render_template("appointments/too_late.html", appointment=appointment), 409
    if request.method == "POST":  # CSRFProtect has checked the token of every POST
        services.cancel(appointment, by=_me())
        audit.record("appointment_cancelled", client=_me(),
                     detail=f"appointment {appointment.id}")
        db.session.commit()
        flash(_("Your appointment is cancelled. We sent you a confirmation by e-mail."),
              "success")
        return redirect(url_for("appointments.index"), 303)
    return render_template("appointments/cancel.html", appointment=appointment)


# --- the practitioner: hours, calendar, feed, booking for her -----------------------------


def _calendar_scope() -> int | None:
    """Return whose calendar this is: the practitioner's own, or None (all) for the admin."""
    if current_user.is_admin:
        asked = request.args.get("practitioner", "")
        return int(asked) if asked.isascii() and asked.isdigit() and len(asked) < 10 else None
    return current_user.id


@bp.route("/practice/calendar")
@roles_required(Role.PRACTITIONER, Role.ADMIN)
def calendar():
    """Show a day or a week of appointments with each client's open flags beside her name."""
    today = local_today(current_user.timezone)
    week = request.args.get("view", "week") != "day"
    opening = today
    if week and today.weekday() >= 5:
        opening = today + timedelta(days=7 - today.weekday())  # at the weekend: the coming week
    day = query_day(request.args.get("day", "")) or opening
    first = day - timedelta(days=day.weekday()) if week else day
    length = 7 if week else 1
    start, end = services.local_day_bounds(first, length)
    practitioner_id = _calendar_scope()
    entries = services.calendar_entries(practitioner_id, start, end)
    by_day: dict[date, list] = {first + timedelta(days=n): [] for n in range(length)}
    for entry in entries:
        local = services.local_date(entry.appointment.starts_at)
        by_day.setdefault(local, []).append(entry)
    html = render_template(
        "appointments/calendar.html", by_day=by_day, week=week, day=day, first=first,
        today=today, previous=first - timedelta(days=length), following=first + timedelta(
            days=length), practitioners=services.practitioner_names() if current_user.is_admin
        else {}, scope=practitioner_id,
    )
    # Whose appointments were seen: one entry per client on the page, in one statement.
    seen = {entry.client.id: entry.client for entry in entries}
    audit.record_many("appointments_viewed", [seen[key] for key in sorted(seen)],
                      detail="calendar")
    db.session.commit()
    return html


def _availability_page(status: int = 200, **forms):
    practitioner_id = current_user.id
    settings = services.settings_for(practitioner_id)
    rules_form = forms.get("rules_form") or RulesForm(formdata=None, obj=settings)
    feed_token = forms.get("feed_token")
    return render_template(
        "appointments/availability.html",
        hours=services.weekly_hours(practitioner_id),
        exceptions=services.exceptions(practitioner_id, local_today()),
        hours_form=forms.get("hours_form") or WeeklyHoursForm(formdata=None, prefix="hours"),
        exception_form=forms.get("exception_form") or ExceptionForm(formdata=None,
                                                                     prefix="exception"),
        rules_form=rules_form,
        settings=settings,
        feed_url=url_for("appointments.feed", token=feed_token, _external=True)
        if feed_token else None,
    ), status


@bp.route("/practice/availability")
@roles_required(Role.PRACTITIONER)
def availability():
    """Show and edit the practitioner's opening hours, exceptions, rules and feed."""
    return _availability_page()


@bp.route("/practice/availability/hours", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def add_hours():
    """Add a weekly block of opening hours."""
    form = WeeklyHoursForm(prefix="hours")
    if not form.validate_on_submit():
        return _availability_page(422, hours_form=form)
    error = services.add_weekly_hours(current_user.id, form.weekday.data, form.starts_at.clock,
                                      form.ends_at.clock, form.length_minutes.data,
                                      form.kind.data)
    if error:
        form.starts_at.errors = [error]
        db.session.rollback()
        return _availability_page(422, hours_form=form)
    db.session.commit()
    flash(_("Opening hours added."), "success")
    return redirect(url_for("appointments.availability"), 303)


@bp.route("/practice/availability/hours/<int:hours_id>/remove", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def remove_hours(hours_id: int):
    """Remove a weekly block (booked appointments stay)."""
    return _remove_own(WeeklyHours, hours_id)


@bp.route("/practice/availability/exceptions", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def add_exception():
    """Add a day off, part of a day off, or extra hours."""
    form = ExceptionForm(prefix="exception")
    if not form.validate_on_submit():
        return _availability_page(422, exception_form=form)
    error = services.add_exception(current_user.id, form.day.data, form.exception.data,
                                   form.starts_at.clock, form.ends_at.clock,
                                   form.length_minutes.data, form.kind.data,
                                   (form.note.data or "").strip() or None)
    if error:
        form.starts_at.errors = [error]
        db.session.rollback()
        return _availability_page(422, exception_form=form)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("appointments.availability"), 303)


@bp.route("/practice/availability/exceptions/<int:exception_id>/remove", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def remove_exception(exception_id: int):
    """Remove an exception."""
    return _remove_own(AvailabilityException, exception_id)


def _remove_own(model, row_id: int):
    """Delete one of her own availability rows; anyone else's is 404."""
    row = db.session.get(model, row_id)
    if row is None or row.practitioner_id != current_user.id:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    return redirect(url_for("appointments.availability"), 303)


@bp.route("/practice/availability/rules", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def save_rules():
    """Save buffer, notice, horizon and the limit for her changes."""
    form = RulesForm()
    if not form.validate_on_submit():
        return _availability_page(422, rules_form=form)
    settings = services.stored_settings(current_user.id)
    form.populate_obj(settings)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("appointments.availability"), 303)


@bp.route("/practice/calendar/feed", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def renew_feed():
    """Make a new secret feed address (an earlier one stops working) and show it once."""
    token = services.renew_feed(current_user.id)
    audit.record("calendar_feed_renewed")
    db.session.commit()
    return _availability_page(feed_token=token)


@bp.route("/practice/calendar/feed/revoke", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def revoke_feed():
    """Stop the feed: its address opens nothing from now on."""
    services.revoke_feed(current_user.id)
    audit.record("calendar_feed_revoked")
    db.session.commit()
    flash(_("The calendar feed is switched off."), "success")
    return redirect(url_for("appointments.availability"), 303)


def _feed_limit() -> str:
    return current_app.config["SHARE_LIMIT"]


@bp.route("/calendar/<token>.ics")
@limiter.limit(_feed_limit, deduct_when=lambda response: response.status_code == 404)
def feed(token: str):
    """Serve a practitioner's calendar feed to their calendar program; no sign-in, a secret."""
    if len(token) > 100:
        abort(404)
    body = services.feed_for_token(token)
    if body is None:
        abort(404)
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _client_to_book_for(client_id: int) -> User:
    """Return the client her practitioner, or the admin (an intake), may book for; else 404."""
    if current_user.is_authenticated and current_user.is_admin:
        client = db.session.get(User, client_id)
        if client is None or not client.is_client:
            abort(404)
        return client
    return client_record_for_practitioner(client_id)


def _back_after_booking(client: User):
    if current_user.is_admin:
        return redirect(url_for("admin.enquiries"), 303)
    return redirect(url_for("practice.client_page", client_id=client.id), 303)


@bp.route("/practice/clients/<int:client_id>/appointments/new")
def book_for_client(client_id: int):
    """List the free times to book for her (no notice: the practice books by phone)."""
    client = _client_to_book_for(client_id)
    kind = request.args.get("kind", "")
    practitioner = services.practitioner_of(client)
    kinds = services.offered_kinds(practitioner.id) if practitioner else []
    if kind not in kinds:
        kind = kinds[0] if kinds else ""
    slots = services.open_slots(practitioner.id, kind=kind, by_practice=True) \
        if practitioner and kind else []
    upcoming = services.upcoming_for_client(client.id)
    if upcoming:
        audit.record("appointments_viewed", client=client, detail="book for her")
    return render_template("appointments/book_for_client.html", client=client, kind=kind,
                           kinds=kinds, days=_grouped_by_day(slots), upcoming=upcoming,
                           form=BookForClientForm(formdata=None))


@bp.route("/practice/clients/<int:client_id>/appointments", methods=["POST"])
def book_for_client_post(client_id: int):
    """Book the chosen time for her; she gets the confirmation as if she booked it."""
    client = _client_to_book_for(client_id)
    form = BookForClientForm()
    if not form.validate_on_submit():
        return render_template("appointments/book_for_client.html", client=client,
                               kind=form.kind.data or "", kinds=[], days={}, upcoming=[],
                               form=form), 422
    try:
        appointment = services.book(client, form.kind.data, form.start.moment,
                                    booked_by=_me())
    except services.SlotTaken:
        db.session.rollback()
        flash(_("This time was just taken. Please choose another."), "error")
        return redirect(url_for("appointments.book_for_client", client_id=client.id,
                                kind=form.kind.data), 303)
    except services.BookingError:
        db.session.rollback()
        form.start.errors = [_("This time can no longer be booked. Please choose another.")]
        return render_template("appointments/book_for_client.html", client=client,
                               kind=form.kind.data, kinds=[], days={}, upcoming=[],
                               form=form), 422
    audit.record("appointment_booked", client=client, detail=f"appointment {appointment.id}")
    db.session.commit()
    flash(_("Appointment booked; she receives the confirmation by e-mail."), "success")
    return _back_after_booking(client)


@bp.route("/practice/clients/<int:client_id>/appointments/<int:appointment_id>/cancel",
          methods=["POST"])
def cancel_for_client(client_id: int, appointment_id: int):
    """Cancel one of her appointments (the practice may, at any time)."""
    client = client_record_for_practitioner(client_id)
    appointment = services.own_appointment(client.id, appointment_id)
    if appointment is None:
        abort(404)
    services.cancel(appointment, by=_me())
    audit.record("appointment_cancelled", client=client, detail=f"appointment {appointment.id}")
    db.session.commit()
    flash(_("Appointment cancelled; she receives the cancellation by e-mail."), "success")
    return redirect(url_for("practice.client_page", client_id=client.id), 303)


def _her_live_appointment(client: User, appointment_id: int):
    appointment = services.own_appointment(client.id, appointment_id)
    if appointment is None or appointment.cancelled_at is not None \
            or appointment.ends_at <= datetime.now(UTC):
        abort(404)
    return appointment


def _move_page(client: User, appointment, form: ChooseTimeForm, status: int = 200):
    slots = [slot for slot in services.open_slots(appointment.practitioner_id,
                                                  kind=appointment.kind, by_practice=True,
                                                  moving=appointment)
             if slot.starts_at != appointment.starts_at]  # its own time is no move
    audit.record("appointments_viewed", client=client, detail="move for her")
    db.session.commit()
    return render_template("appointments/move_for_client.html", client=client,
                           appointment=appointment, days=_grouped_by_day(slots),
                           form=form), status


@bp.route("/practice/clients/<int:client_id>/appointments/<int:appointment_id>/move",
          methods=["GET", "POST"])
def move_for_client(client_id: int, appointment_id: int):
    """Move one of her appointments (the practice may, at any time): same UID, new SEQUENCE."""
    client = client_record_for_practitioner(client_id)
    appointment = _her_live_appointment(client, appointment_id)
    if request.method == "GET":
        return _move_page(client, appointment, ChooseTimeForm(formdata=None))
    form = ChooseTimeForm()
    if not form.validate_on_submit():
        return _move_page(client, appointment, form, 422)
    try:
        services.move(appointment, form.start.moment, by=_me())
    except services.SlotTaken:
        db.session.rollback()
        flash(_("This time was just taken. Please choose another."), "error")
        return redirect(url_for("appointments.move_for_client", client_id=client.id,
                                appointment_id=appointment.id), 303)
    except services.BookingError:
        db.session.rollback()
        form.start.errors = [_("This time can no longer be booked. Please choose another.")]
        return _move_page(client, appointment, form, 422)
    audit.record("appointment_moved", client=client, detail=f"appointment {appointment.id}")
    db.session.commit()
    flash(_("Appointment moved; she receives the new time by e-mail."), "success")
    return redirect(url_for("practice.client_page", client_id=client.id), 303)


@bp.route("/admin/hours")
@roles_required(Role.ADMIN)
def admin_hours():
    """Show every practitioner's opening hours, rules and coming exceptions."""
    return render_template("appointments/admin_hours.html",
                           overview=services.hours_overview(local_today()))
