"""Questionnaires: fill one in, see the result and history; the admin installs licensed wording."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import labels
from portal.access import client_record_for_practitioner, roles_required
from portal.database import retry_safe
from portal.dates import local_today
from portal.extensions import db
from portal.models import Role, User
from portal.questionnaires import services
from portal.questionnaires.forms import InstallWordingForm, answers_from, questionnaire_form
from portal.questionnaires.instruments import (
    INSTRUMENT_KEYS,
    MAX_DEFINITION_BYTES,
    MAX_DEFINITION_DEPTH,
    UnreadableDefinition,
    band_for,
    read_licensed_definition,
)
from portal.questionnaires.schedule import due_questionnaires

bp = Blueprint("questionnaires", __name__)


def _locale() -> str:
    return str(get_locale())


def _instrument_or_404(key: str):
    if key not in INSTRUMENT_KEYS:
        abort(404)
    return services.instrument(key)


@bp.route("/")
@roles_required(Role.CLIENT)
def index():
    """List the questionnaires, which are due, and her earlier results."""
    instruments = [services.instrument(key) for key in INSTRUMENT_KEYS]
    history = services.history(current_user)
    return render_template(
        "questionnaires/index.html",
        instruments=instruments,
        due=due_questionnaires(current_user, local_today(current_user.timezone)),
        history=[(response, _headline(response)) for response in history],
        locale=_locale(),
    )


def _headline(response) -> str:
    """Return what heads one of her results: an item-10 answer first, else her band."""
    safety = labels.has_safety_answer(response.instrument, response.item_scores, response.safety)
    return labels.client_headline(response.instrument, response.band, safety)


def _fill(client: User, key: str, entered_by: User | None, template_args: dict):
    instrument = _instrument_or_404(key)
    locale = _locale()
    form = questionnaire_form(instrument, locale)
    if client.profile.collection_paused:
        if request.method == "POST":
            flash(_("Consent was withdrawn, so no new answers are stored."), "error")
        return render_template(
            "questionnaires/paused.html"
        ), 409 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            response, _news = services.submit(
                client,
                key,
                answers_from(form),
                locale,
                entered_by,
                submission_id=form.submission_id.data,
            )
        except services.SubmissionTaken:
            form.submission_id.refuse()
        else:
            db.session.commit()
            # 303 See Other: the answer to the POST is a page of its own, so a reload or Back
            # fetches that page again and never sends the answers a second time.
            if entered_by is not None:
                flash(_("The answers were saved for %(name)s.", name=client.full_name), "success")
                return redirect(url_for("practice.client_page", client_id=client.id), 303)
            if response.safety:
                # The help page comes first, with no tap in between; the result is linked there.
                return redirect(url_for("questionnaires.safety", response_id=response.id), 303)
            return redirect(url_for("questionnaires.result", response_id=response.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "questionnaires/fill.html",
        form=form,
        instrument=instrument,
        locale=locale,
        client=client,
        entered_by=entered_by,
        safety_options=_safety_options(instrument),
        **template_args,
    ), status


def _safety_options(instrument) -> dict[str, set[str]]:
    """Return the options of the safety item that count as a positive answer (by form value).

    Her phone shows the help page as soon as one is chosen offline, before anything is sent.
    """
    item = next((item for item in instrument.items if item.id == instrument.safety_item), None)
    if item is None or instrument.safety_threshold is None:
        return {}
    return {
        item.id: {
            str(index)
            for index, points in enumerate(item.scores)
            if points >= instrument.safety_threshold
        }
    }


@bp.route("/<key>", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
@retry_safe
def fill(key: str):
    """Show a questionnaire and score her answers."""
    return _fill(current_user, key, None, {})


@bp.route("/results/<int:response_id>")
@roles_required(Role.CLIENT)
def result(response_id: int):
    """Explain her result in plain words and who to contact."""
    response = services.response_for(current_user, response_id)
    if response is None:
        abort(404)
    instrument = services.instrument(response.instrument)
    band = band_for(instrument, response.total)
    return render_template(
        "questionnaires/result.html",
        response=response,
        instrument=instrument,
        band=band,
        safety_answer=labels.has_safety_answer(
            response.instrument, response.item_scores, response.safety
        ),
        headline=_headline(response),
        band_label=labels.client_band_label(response.instrument, band.key),
        locale=_locale(),
    )


@bp.route("/results/<int:response_id>/help")
@roles_required(Role.CLIENT)
def safety(response_id: int):
    """Show who to call now, first, after her answer about harming herself."""
    response = services.response_for(current_user, response_id)
    if response is None:
        abort(404)
    if not response.safety:
        return redirect(url_for("questionnaires.result", response_id=response.id))
    return render_template(
        "questionnaires/safety.html",
        response=response,
        notified=services.practitioner_told(response),
    )


@bp.route("/clients/<int:client_id>/<key>", methods=["GET", "POST"])
def fill_for_client(client_id: int, key: str):
    """Let a practitioner record a questionnaire answered during a phone consult."""
    client = client_record_for_practitioner(client_id)
    return _fill(client, key, current_user._get_current_object(), {})


def _unreadable_message(error: UnreadableDefinition) -> str:
    if error.reason == "too_large":
        return _(
            "The file is larger than %(size)d KB. A wording file is a few kilobytes; "
            "please check that this is the right file.",
            size=MAX_DEFINITION_BYTES // 1024,
        )
    if error.reason == "too_deep":
        return _(
            "The file is nested more than %(depth)d levels deep. Please follow the shape of "
            "the example file.",
            depth=MAX_DEFINITION_DEPTH,
        )
    return _("The file is not a readable JSON definition.")


@bp.route("/admin/instruments", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_instruments():
    """Show which wording is active and install a practice's licensed wording."""
    form = InstallWordingForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            definition = read_licensed_definition(
                form.definition.data.read(MAX_DEFINITION_BYTES + 1)
            )
        except UnreadableDefinition as error:
            errors = [_unreadable_message(error)]
        else:
            errors = services.install_licensed(form.instrument.data, definition, current_user)
        if not errors:
            db.session.commit()
            flash(_("The wording was installed."), "success")
            return redirect(url_for("questionnaires.admin_instruments"))
        db.session.rollback()
    status = 422 if request.method == "POST" else 200
    return render_template(
        "questionnaires/admin_instruments.html",
        form=form,
        errors=errors,
        statuses=services.wording_status(),
    ), status
