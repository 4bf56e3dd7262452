"""Her record of a period as a FHIR R4 Bundle (JSON): Patient, QuestionnaireResponses and
Observations, for colleagues who exchange structured data.

Codes. The instruments' panels are LOINC 71354-5 (EPDS) and 69737-5 (GAD-7). Totals:
- GAD-7 total score: LOINC 70274-6 "Generalized anxiety disorder 7 item (GAD-7) total score
  [Reported.PHQ]" (LOINC table, as used with that display in the Medizininformatik-Initiative
  PRO implementation guide, ObservationDefinition mii-obsdef-pro-score-gad-7).
- EPDS total score: no LOINC code we could confirm in the LOINC table (published examples
  disagree on whether 99046-5 is the panel or the total), so it is left out rather than
  guessed; the total carries the local code "epds-total" only.
The daily check-in measures have no standard code that fits the portal's 1-5 scales, so
they are coded in the practice's local CodeSystem (LOCAL_SYSTEM).

Resources are built with the fhir.resources model classes, so a Bundle that does not
validate cannot be sent. The models are its R4B package: fhir.resources 8 defaults to R5, and
R4B (4.3) is the R4-compatible model set the library ships; Bundle, Patient,
QuestionnaireResponse and Observation are the same in R4 and R4B for what we send.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse as FhirQuestionnaireResponse,
)
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference
from flask import current_app

from portal.extensions import db
from portal.models import CheckIn, QuestionnaireResponse, User
from portal.questionnaires.instruments import load_instrument
from portal.reports.summary import MEASURE_KEYS, Period

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PANELS = {"epds": "71354-5", "gad7": "69737-5"}
# Only codes confirmed in the LOINC table (see the module docstring).
TOTAL_LOINC = {"gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score")}
# UCUM units of the check-in measures; annotations ({...}) for counts and scale points.
MEASURE_UNITS = {
    "mood": "{score}",
    "tension": "{score}",
    "energy": "{score}",
    "bonding": "{score}",
    "sleep_hours": "h",
    "night_wakings": "{count}",
    "sleep_quality": "{score}",
    "skin_to_skin_minutes": "min",
}
MEASURE_DISPLAY = {
    "mood": "Mood today (1 very low - 5 very good)",
    "tension": "Tension today (1 none - 5 a lot)",
    "energy": "Energy today (1 exhausted - 5 full of energy)",
    "bonding": "Felt connected to the baby today (1 not - 5 very)",
    "sleep_hours": "Sleep last night, total",
    "night_wakings": "Night wakings last night",
    "sleep_quality": "Sleep quality last night (1 very poor - 5 very good)",
    "skin_to_skin_minutes": "Skin-to-skin contact today",
}


def fhir_base() -> str:
    """Return the base of the practice's canonical URLs (Questionnaires, CodeSystem)."""
    return current_app.config.get("FHIR_CANONICAL_BASE") or (
        current_app.config["BASE_URL"].rstrip("/") + "/fhir"
    )


def local_system() -> str:
    """Return the URL of the practice's CodeSystem for its own measures and totals."""
    return f"{fhir_base()}/CodeSystem/postpartum-portal"


def questionnaire_url(instrument: str) -> str:
    """Return the canonical URL of an instrument's Questionnaire."""
    return f"{fhir_base()}/Questionnaire/{instrument}"


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _number(value) -> int | Decimal:
    """Return a stored number exactly as written: whole numbers as int, sent without ".0"."""
    exact = Decimal(str(value))
    return int(exact) if exact == exact.to_integral_value() else exact


def _survey() -> list[CodeableConcept]:
    return [CodeableConcept(coding=[Coding(system=OBSERVATION_CATEGORY, code="survey")])]


def _patient(client: User) -> Patient:
    profile = client.profile
    birth_date = profile.date_of_birth if profile is not None else None
    return Patient(name=[HumanName(text=client.full_name)], birthDate=birth_date)


def _responses(client: User, period: Period, zone: ZoneInfo) -> list[QuestionnaireResponse]:
    start = datetime.combine(period.start, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return list(db.session.scalars(
        sa.select(QuestionnaireResponse)
        .where(QuestionnaireResponse.client_id == client.id,
               QuestionnaireResponse.submitted_at >= start,
               QuestionnaireResponse.submitted_at < end)
        .order_by(QuestionnaireResponse.submitted_at, QuestionnaireResponse.id)
    ))


def _questionnaire_response(
    response: QuestionnaireResponse, patient_ref: str
) -> FhirQuestionnaireResponse | None:
    try:
        instrument = load_instrument(response.instrument)
    except KeyError:
        return None
    items = [
        QuestionnaireResponseItem(
            linkId=item.id, text=f"Item {item.number}",
            answer=[QuestionnaireResponseItemAnswer(valueInteger=int(points))])
        for item, points in zip(instrument.items, response.item_scores or (), strict=False)
    ]
    return FhirQuestionnaireResponse(
        questionnaire=questionnaire_url(response.instrument),
        status="completed",
        subject=Reference(reference=patient_ref),
        authored=response.submitted_at.astimezone(UTC),
        item=items or None,  # FHIR JSON holds no empty arrays
    )


def _total_observation(
    response: QuestionnaireResponse, patient_ref: str, qr_ref: str
) -> Observation:
    codings = []
    if response.instrument in TOTAL_LOINC:
        code, display = TOTAL_LOINC[response.instrument]
        codings.append(Coding(system=LOINC, code=code, display=display))
    codings.append(Coding(system=local_system(), code=f"{response.instrument}-total",
                          display=f"{response.instrument.upper()} total score"))
    panel = PANELS.get(response.instrument)
    return Observation(
        status="final",
        category=_survey(),
        code=CodeableConcept(coding=codings),
        subject=Reference(reference=patient_ref),
        effectiveDateTime=response.submitted_at.astimezone(UTC),
        valueInteger=int(response.total),
        derivedFrom=[Reference(reference=qr_ref)],
        method=CodeableConcept(coding=[Coding(system=LOINC, code=panel)]) if panel else None,
        interpretation=[CodeableConcept(text=response.band)] if response.band else None,
    )


def _measure_observation(day: date, key: str, value, patient_ref: str) -> Observation:
    unit = MEASURE_UNITS[key]
    return Observation(
        status="final",
        category=_survey(),
        code=CodeableConcept(coding=[Coding(system=local_system(), code=key,
                                            display=MEASURE_DISPLAY[key])]),
        subject=Reference(reference=patient_ref),
        effectiveDateTime=day,
        valueQuantity=Quantity(value=_number(value), unit=unit, system=UCUM, code=unit),
    )


def build_bundle(client: User, period: Period, now: datetime | None = None) -> Bundle:
    """Return her Bundle of a period: Patient, questionnaire answers and totals, check-ins."""
    zone = ZoneInfo(client.timezone or "Europe/Amsterdam")
    now = now or datetime.now(UTC)
    patient_ref = _urn()
    entries = [BundleEntry(fullUrl=patient_ref, resource=_patient(client))]
    for response in _responses(client, period, zone):
        answers = _questionnaire_response(response, patient_ref)
        if answers is None:
            continue
        qr_ref = _urn()
        entries.append(BundleEntry(fullUrl=qr_ref, resource=answers))
        entries.append(BundleEntry(
            fullUrl=_urn(), resource=_total_observation(response, patient_ref, qr_ref)))
    checkins = db.session.execute(
        sa.select(CheckIn.day, *[getattr(CheckIn, key) for key in MEASURE_KEYS])
        .where(CheckIn.client_id == client.id, CheckIn.day >= period.start,
               CheckIn.day <= period.end)
        .order_by(CheckIn.day)
    )
    for row in checkins:
        for key in MEASURE_KEYS:
            value = getattr(row, key)
            if value is not None:
                entries.append(BundleEntry(
                    fullUrl=_urn(),
                    resource=_measure_observation(row.day, key, value, patient_ref)))
    return Bundle(type="collection", timestamp=now, entry=entries)

