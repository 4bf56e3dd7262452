"""Questionnaire work: the practice's wording, submitting and scoring answers, history."""

import uuid

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import audit, flag_service
from portal.extensions import db
from portal.models import Flag, InstrumentText, QuestionnaireResponse, User
from portal.questionnaires.instruments import (
    INSTRUMENT_KEYS,
    Instrument,
    load_instrument,
    score,
    validate_licensed_definition,
)


class CollectionPaused(Exception):
    """The client withdrew consent: no new answers are stored."""


class SubmissionTaken(Exception):
    """The submission id is held by another client's or questionnaire's response."""


def instrument(key: str) -> Instrument:
    """Return an instrument with the practice's installed licensed wording, if any."""
    overrides = {
        text.locale: text.definition
        for text in db.session.scalars(
            sa.select(InstrumentText).where(InstrumentText.instrument == key)
        )
    }
    return load_instrument(key, overrides or None)


def submit(
    client: User,
    key: str,
    answers: dict[str, int],
    locale: str,
    entered_by: User | None = None,
    *,
    submission_id: uuid.UUID | None = None,
) -> tuple[QuestionnaireResponse, list[Flag]]:
    """Score and store a response, then run the flag rules; return it with flags that are news.

    A submission id already stored for this client and questionnaire is the same submission
    arriving again: its first response comes back with no news, and nothing is stored, flagged
    or sent. Raises SubmissionTaken when the id belongs to another client or questionnaire.
    """
    if client.profile is not None and client.profile.collection_paused:
        raise CollectionPaused
    shown = instrument(key)
    result = score(shown, answers)
    response = QuestionnaireResponse(
        client_id=client.id,
        instrument=key,
        answers=dict(answers),
        item_scores=list(result.item_scores),
        total=result.total,
        subscales=dict(result.subscales),
        band=result.band.key,
        safety=result.safety,
        locale=locale,
        entered_by_id=entered_by.id if entered_by else None,
        submission_id=submission_id,
        **shown.wording(locale),
    )
    # The unique index decides, in a savepoint: a look-up first would let two copies arriving
    # at the same moment both find nothing. The loser waits for the winner's commit, then finds
    # its row.
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        first = _response_by_submission(submission_id)
        if first is None:
            raise
        if first.client_id != client.id or first.instrument != key:
            raise SubmissionTaken from None
        return first, []
    audit.record(
        "questionnaire_submitted",
        client=client,
        detail=key,
        actor=entered_by or client,
        on_behalf_of=client if entered_by else None,
    )
    news = flag_service.evaluate_client(client)
    flag_service.notify_practitioner(client, news, entered_by)
    return response, news


def _response_by_submission(submission_id: uuid.UUID | None) -> QuestionnaireResponse | None:
    if submission_id is None:
        return None
    return db.session.scalar(
        sa.select(QuestionnaireResponse).where(
            QuestionnaireResponse.submission_id == submission_id
        )
    )


def response_for(client: User, response_id: int) -> QuestionnaireResponse | None:
    """Return one of the client's own responses."""
    return db.session.scalar(
        sa.select(QuestionnaireResponse).where(
            QuestionnaireResponse.id == response_id, QuestionnaireResponse.client_id == client.id
        )
    )


def practitioner_told(response: QuestionnaireResponse) -> bool:
    """Tell whether the urgent flag this safety answer raised (or renewed) was sent on."""
    return (
        db.session.scalar(
            sa.select(Flag.id).where(
                Flag.client_id == response.client_id,
                Flag.rule == "safety",
                Flag.episode_key == str(response.id),
                Flag.notified_at.is_not(None),
            )
        )
        is not None
    )


def history(client: User) -> list[QuestionnaireResponse]:
    """Return the client's responses, newest first."""
    return list(
        db.session.scalars(
            sa.select(QuestionnaireResponse)
            .where(QuestionnaireResponse.client_id == client.id)
            .order_by(QuestionnaireResponse.submitted_at.desc(), QuestionnaireResponse.id.desc())
        )
    )


def install_licensed(key: str, definition: dict, installed_by: User | None) -> list[str]:
    """Install a practice's licensed wording for one language; return errors (none = done)."""
    if key not in INSTRUMENT_KEYS:
        return [f"Unknown instrument {key!r}."]
    errors = validate_licensed_definition(key, definition)
    if errors:
        return errors
    locale = definition["locale"]
    row = db.session.scalar(
        sa.select(InstrumentText).where(
            InstrumentText.instrument == key, InstrumentText.locale == locale
        )
    )
    if row is None:
        row = InstrumentText(instrument=key, locale=locale)
        db.session.add(row)
    row.definition = definition
    row.installed_by_id = installed_by.id if installed_by else None
    db.session.flush()
    audit.record("instrument_installed", actor=installed_by, detail=f"{key} {locale}")
    return []


def wording_status() -> list[dict]:
    """Describe, per instrument and language, whether placeholder or licensed text is active."""
    statuses = []
    for key in INSTRUMENT_KEYS:
        loaded = instrument(key)
        for locale in ("nl", "en"):
            statuses.append(
                {
                    "key": key,
                    "name": loaded.name,
                    "locale": locale,
                    "placeholder": loaded.is_placeholder(locale),
                    "validated": loaded.is_validated(locale),
                }
            )
    return statuses


def is_viewer_staff() -> bool:
    """Tell whether the current user sees notes meant for staff (placeholder, validation)."""
    return current_user.is_authenticated and not current_user.is_client
