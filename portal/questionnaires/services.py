"""Questionnaire work: the practice's wording, submitting and scoring answers, history."""

import sqlalchemy as sa
from flask_login import current_user

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
    client: User, key: str, answers: dict[str, int], locale: str, entered_by: User | None = None
) -> tuple[QuestionnaireResponse, list[Flag]]:
    """Score and store a response, then run the flag rules; return it with flags that are news."""
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
        **shown.wording(locale),
    )
    db.session.add(response)
    db.session.flush()
    audit.record(
        "questionnaire_submitted",
        client=client,
        detail=key,
        actor=entered_by or client,
        on_behalf_of=client if entered_by else None,
    )
    news = flag_service.evaluate_client(client)
    flag_service.notify_practitioner(client, news)
    return response, news


def response_for(client: User, response_id: int) -> QuestionnaireResponse | None:
    """Return one of the client's own responses."""
    return db.session.scalar(
        sa.select(QuestionnaireResponse).where(
            QuestionnaireResponse.id == response_id, QuestionnaireResponse.client_id == client.id
        )
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
