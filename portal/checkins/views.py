"""The client's home page (today's check-in), editing a recent day, history and reminders."""

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, charts, pages, push
from portal.access import roles_required
from portal.appointments.panels import home_context as appointment_home
from portal.checkins import services
from portal.checkins.forms import CheckInForm, ReminderForm, reminder_form_for
from portal.checkins.history import build_history, measure_chart
from portal.database import retry_safe
from portal.dates import local_today
from portal.extensions import db
from portal.guidance.services import recommendations_for
from portal.input_guard import query_day
from portal.models import Role
from portal.questionnaires.schedule import due_questionnaires

bp = Blueprint("checkins", __name__)


@bp.before_request
@roles_required(Role.CLIENT)
def require_client():
    """Check-in pages are for clients only."""
    return None


def _requested_day(today: date) -> tuple[date, bool]:
    """Return the day asked for in ?day=, or today and whether the asked day was refused."""
    asked = request.args.get("day")
    if not asked:
        return today, False
    chosen = query_day(asked)  # 400 outside 2000-2100, like every date in a query string
    if chosen is None:
        return today, True
    backfill = current_app.config["CHECKIN_BACKFILL_DAYS"]
    if today - timedelta(days=backfill) <= chosen <= today:
        return chosen, False
    return today, True


@bp.route("/", methods=["GET", "POST"])
@retry_safe
def today():
    """Show and save the daily check-in (today, or a day up to a week back)."""
    client = current_user
    today_local = local_today(client.timezone)
    form = CheckInForm()
    form.set_days(today_local, current_app.config["CHECKIN_BACKFILL_DAYS"])
    if request.method == "POST" and client.profile.collection_paused:
        flash(_("You withdrew your consent, so we do not store new check-ins."), "error")
        return redirect(url_for("checkins.today"), 303)
    if form.validate_on_submit():
        existing = services.day_version(client, form.day.chosen_day)
        if services.is_conflict(existing, form.base.data, form.submission_id.data):
            # Answers for this day were saved elsewhere after this form was drawn (on her
            # other phone, or with her practitioner): never replace them unasked. Her answers
            # stay in the form; sending it again, now knowing the newer ones, replaces them.
            newer = services.checkin_for_day(client, form.day.chosen_day)
            form.base.data = services.version_of(newer)
            return _render_today(form, reminder_form_for(client), 409, conflict=newer)
        values = form.cleaned()
        # The day, not the submission id, keeps a check-in once: the save is an upsert of her
        # one row for that day, so the same submission arriving again writes the same values
        # to the same row. The id is still required, so every form has the same shape.
        services.save_checkin(
            client, values.pop("day"), values, submission_id=form.submission_id.data
        )
        db.session.commit()
        # 303 See Other: a reload or Back fetches the thank-you page, never the POST again.
        return redirect(url_for("checkins.saved", day=form.day.chosen_day.isoformat()), 303)
    day_refused = False
    if request.method == "GET":
        day, day_refused = _requested_day(today_local)
        form.day.data = day.isoformat()
        existing = services.checkin_for_day(client, day)
        form.base.data = services.version_of(existing)
        if existing is not None:
            _fill(form, existing)
    status = 422 if request.method == "POST" else 200
    return _render_today(form, reminder_form_for(client), status, day_refused=day_refused)


def _render_today(
    form: CheckInForm,
    reminder_form: ReminderForm,
    status: int,
    day_refused: bool = False,
    conflict=None,
):
    client = current_user
    today_local = local_today(client.timezone)
    day = date.fromisoformat(form.day.data) if _is_iso(form.day.data) else today_local
    form.word_for_day(day)
    return render_template(
        "checkins/today.html",
        form=form,
        day=day,
        today=today_local,
        day_refused=day_refused,
        conflict=conflict,
        backfill_days=current_app.config["CHECKIN_BACKFILL_DAYS"],
        paused=client.profile.collection_paused,
        editing=services.checkin_for_day(client, day),
        due=due_questionnaires(client, today_local),
        recommendations=recommendations_for(client),
        reminder_form=reminder_form,
        **appointment_home(client),
    ), status


def _is_iso(value) -> bool:
    try:
        date.fromisoformat(value or "")
    except ValueError:
        return False
    return True


def _fill(form: CheckInForm, checkin) -> None:
    for field in ("mood", "tension", "energy", "bonding", "sleep_quality"):
        value = getattr(checkin, field)
        getattr(form, field).data = str(value) if value is not None else None
    form.sleep_hours.data = f"{checkin.sleep_hours:g}" if checkin.sleep_hours is not None else ""
    form.night_wakings.data = checkin.night_wakings
    form.skin_to_skin_minutes.data = checkin.skin_to_skin_minutes
    form.activities.data = list(checkin.activities or [])
    form.note.data = checkin.note


@bp.route("/saved/<day>")
def saved(day: str):
    """Thank her warmly and show her streak; after a hard day, add a gentle word and help."""
    if not _is_iso(day):
        return redirect(url_for("checkins.today"))
    today_local = local_today(current_user.timezone)
    saved_day = date.fromisoformat(day)
    checkin = services.checkin_for_day(current_user, saved_day)
    if checkin is None:  # never say "saved" for a day that was not
        return redirect(url_for("checkins.today"))
    return render_template(
        "checkins/saved.html",
        day=saved_day,
        today=today_local,
        hard_day=services.was_a_hard_day(checkin),
        submission_id=checkin.submission_id,
        streak=services.current_streak(current_user, today_local),
        due=due_questionnaires(current_user, today_local),
    )


@bp.route("/history")
def history():
    """Show her last 30 or 90 days as charts and a list of days."""
    days = 90 if request.args.get("days") == "90" else 30
    today_local = local_today(current_user.timezone)
    history = build_history(current_user, today_local, days)
    audit.record("own_history_viewed", client=current_user)
    db.session.commit()
    return render_template(
        "checkins/history.html",
        history=history,
        days=days,
        today=today_local,
        backfill_from=today_local - timedelta(days=current_app.config["CHECKIN_BACKFILL_DAYS"]),
        charts=charts,
    )


@bp.route("/history/<measure>.svg")
def history_chart(measure: str):
    """One chart of her history page (the page holds its words)."""
    days = 90 if request.args.get("days") == "90" else 30
    chart = measure_chart(current_user, local_today(current_user.timezone), days, measure)
    if chart is None:
        abort(404)
    return Response(chart.svg, mimetype="image/svg+xml")


@bp.route("/reminders", methods=["POST"])
def reminders():
    """Save whether and when she gets a daily reminder."""
    form = ReminderForm()
    if form.validate_on_submit():
        current_user.profile.reminder_enabled = form.enabled.data
        current_user.profile.reminder_time = form.at.data
        current_user.profile.reminder_email = form.by_email.data
        db.session.commit()
        flash(_("Your reminder setting is saved."), "success")
        if form.back_to.data == "account":
            return redirect(url_for("privacy.account"))
        return redirect(url_for("checkins.today"))
    if form.back_to.data == "account":
        return pages.render(pages.ACCOUNT_PAGE, 422, reminder_form=form)
    checkin_form = CheckInForm(formdata=None)
    today_local = local_today(current_user.timezone)
    checkin_form.set_days(today_local, current_app.config["CHECKIN_BACKFILL_DAYS"])
    checkin_form.day.data = today_local.isoformat()
    existing = services.checkin_for_day(current_user, today_local)
    checkin_form.base.data = services.version_of(existing)
    if existing is not None:
        _fill(checkin_form, existing)
    return _render_today(checkin_form, form, 422)


# Her phone's notifications (portal/push.py). The page's script sends the browser's
# PushSubscription as JSON, with the CSRF token in its X-CSRFToken header.
bp.add_app_template_global(push.public_key, "push_public_key")


@bp.route("/push/subscribe", methods=["POST"])
def push_subscribe():
    """Turn on reminders as notifications on the device she is using."""
    try:
        push.subscribe(current_user, request.get_json(silent=True))
    except push.BadSubscription:
        db.session.rollback()
        message = _("This browser sent something we could not use. Nothing was changed.")
        return jsonify(error=message), 400
    audit.record("push_turned_on", client=current_user)
    db.session.commit()
    return jsonify(ok=True, message=_("Notifications are on for this phone."))


@bp.route("/push/unsubscribe", methods=["POST"])
def push_unsubscribe():
    """Turn off notifications on the device she is using."""
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if push.unsubscribe(current_user, endpoint):
        audit.record("push_turned_off", client=current_user)
    db.session.commit()
    return jsonify(ok=True, message=_("Notifications are off for this phone."))
