"""Her record as a FHIR R4 Bundle (JSON): Patient, QuestionnaireResponses, score Observations,
each EPDS item-10 answer as an Observation of its own with a Flag when positive, and check-ins,
for colleagues and receiving systems that exchange structured data.

Scores follow the Medizininformatik-Initiative PRO implementation guide's "Score Instance"
profile (MII PR PRO Score, https://www.medizininformatik-initiative.de/fhir/ext/modul-pro/
StructureDefinition/mii-pr-pro-score): ``code`` is the total-score code, ``method`` the
instrument's panel, ``derivedFrom`` the QuestionnaireResponse, ``valueQuantity`` in UCUM
``{score}`` and category ``survey``. We do not claim the profile in ``meta.profile``: its
German bindings (for instance the PRO instrument ValueSets) are not all met.

Codes.
- Panels: LOINC 71354-5 (EPDS) and 69737-5 (GAD-7); the EPDS is also named as an assessment
  scale by SNOMED CT 273441006 "Edinburgh postnatal depression scale" in ``method``.
- GAD-7 total score: LOINC 70274-6 "Generalized anxiety disorder 7 item (GAD-7) total score
  [Reported.PHQ]" (LOINC table, with that display in the MII PRO guide's ObservationDefinition
  mii-obsdef-pro-score-gad-7, and in HL7's Personal Health Record IG value set
  observation-scored-assessment-score-codes).
- EPDS total score: LOINC 99046-5 could not be confirmed. Looked up on 2026-12-06 with the
  project's search tool: no loinc.org page for it was found; public code uses it with the
  display "Edinburgh Postnatal Depression Scale [EPDS]" (a panel's name, not a total's),
  sometimes as the instrument code and sometimes as the total, beside 71354-5. So it is not
  sent; the total carries the local code "epds-total" only (kept either way).
- EPDS item 10: no LOINC item code was confirmed either; the local code "epds-item-10".
- Interpretations, the check-in measures and the flag are coded in the practice's local
  CodeSystem (``local_system()``, version ``CODESYSTEM_VERSION``), which the Bundle carries
  with displays in English and Dutch; never an internal key.

A positive item 10 yields a ``Flag`` (status active while the portal's safety flag is open,
inactive once it is acknowledged), not a ``RiskAssessment``: a RiskAssessment states a
predicted outcome with a probability, and the portal predicts nothing (README, intended
purpose). A Flag is FHIR's "warning for the attention of care providers", which is what the
portal's safety flag is; it points to the item-10 Observation with the core extension
``flag-detail``.

Questionnaire canonicals carry a version (``url|version``) made of the wording the response
was answered on (placeholder or licensed, its language and fingerprint), so a receiver can
tell placeholder from licensed wording.

Resources are built with the fhir.resources model classes, so a Bundle that does not
validate cannot be sent. The models are its R4B package: fhir.resources 8 defaults to R5, and
R4B (4.3) is the R4-compatible model set the library ships; every resource we send has the
same shape in R4, and the tests validate each Bundle against the official R4 JSON schema too.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.codesystem import (
    CodeSystem,
    CodeSystemConcept,
    CodeSystemConceptDesignation,
)
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.flag import Flag as FhirFlag
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period as FhirPeriod
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
from flask_babel import force_locale

from portal import labels
from portal.extensions import db
from portal.flags import EPDS_SAFETY_ITEM_INDEX
from portal.models import CheckIn, Flag, QuestionnaireResponse, User
from portal.questionnaires.instruments import load_instrument
from portal.reports.summary import MEASURE_KEYS, Period
from portal.reports.summary_format import CLINICAL_BAND_WORDING

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"
# Raised with every change to the local CodeSystem's codes or displays.
CODESYSTEM_VERSION = "2026.12.1"
PANELS = {"epds": "71354-5", "gad7": "69737-5"}
PANEL_DISPLAYS = {
    "epds": "Edinburgh Postnatal Depression Scale [EPDS]",
    "gad7": "Generalized anxiety disorder 7 item (GAD-7)",
}
# SNOMED CT names the EPDS as an assessment scale.
INSTRUMENT_SNOMED = {"epds": ("273441006", "Edinburgh postnatal depression scale")}
# Only codes confirmed in the LOINC table (see the module docstring).
TOTAL_LOINC = {"gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score")}
ITEM10_CODE = "epds-item-10"
SAFETY_FLAG_CODE = "safety-answer"
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
# The local CodeSystem's own codes, in English and Dutch (bands come from the clinical wording).
LOCAL_CONCEPTS = {
    "mood": ("Mood today (1 very low - 5 very good)",
             "Stemming vandaag (1 heel somber - 5 heel goed)"),
    "tension": ("Tension today (1 none - 5 a lot)", "Spanning vandaag (1 geen - 5 veel)"),
    "energy": ("Energy today (1 exhausted - 5 full of energy)",
               "Energie vandaag (1 uitgeput - 5 vol energie)"),
    "bonding": ("Felt connected to the baby today (1 not - 5 very)",
                "Verbonden gevoeld met de baby vandaag (1 niet - 5 heel)"),
    "sleep_hours": ("Sleep last night, total", "Slaap afgelopen nacht, totaal"),
    "night_wakings": ("Night wakings last night", "Keren wakker afgelopen nacht"),
    "sleep_quality": ("Sleep quality last night (1 very poor - 5 very good)",
                      "Slaapkwaliteit afgelopen nacht (1 heel slecht - 5 heel goed)"),
    "skin_to_skin_minutes": ("Skin-to-skin contact today", "Huid-op-huidcontact vandaag"),
    "epds-total": ("EPDS total score", "EPDS totaalscore"),
    "gad7-total": ("GAD-7 total score", "GAD-7 totaalscore"),
    ITEM10_CODE: ("EPDS item 10: thoughts of harming herself (score 0-3)",
                  "EPDS vraag 10: gedachten om zichzelf iets aan te doen (score 0-3)"),
    "epds-item-10-positive": ("EPDS item 10 scored 1 or more: needs attention whatever the total",
                              "EPDS vraag 10 scoorde 1 of meer: vraagt aandacht, ongeacht het "
                              "totaal"),
    "epds-item-10-negative": ("EPDS item 10 scored 0", "EPDS vraag 10 scoorde 0"),
    SAFETY_FLAG_CODE: ("Safety answer: EPDS item 10 scored 1 or more (thoughts of harming "
                       "herself)",
                       "Veiligheidsantwoord: EPDS vraag 10 scoorde 1 of meer (gedachten om "
                       "zichzelf iets aan te doen)"),
}


def fhir_base() -> str:
    """Return the base of the practice's canonical URLs (Questionnaires, CodeSystem)."""
    return current_app.config.get("FHIR_CANONICAL_BASE") or (
        current_app.config["BASE_URL"].rstrip("/") + "/fhir"
    )


def local_system() -> str:
    """Return the URL of the practice's CodeSystem for its own measures and totals."""
    return f"{fhir_base()}/CodeSystem/postpartum-portal"


def patient_system() -> str:
    """Return the system of the practice-local patient identifier: the practice's base URL."""
    return current_app.config["BASE_URL"].rstrip("/") + "/clients"


def questionnaire_url(instrument: str) -> str:
    """Return the canonical URL of an instrument's Questionnaire (without a version)."""
    return f"{fhir_base()}/Questionnaire/{instrument}"


def questionnaire_version(response: QuestionnaireResponse) -> str:
    """Return the version of the wording a response was answered on, e.g. "placeholder-nl-1a2b"."""
    parts = [response.wording or "unrecorded"]
    if response.wording_locale:
        parts.append(response.wording_locale)
    if response.wording_version:
        parts.append(response.wording_version)
    return "-".join(parts)


def band_code(instrument: str, band: str) -> str:
    """Return the local code of an instrument's band, e.g. "epds-possible-depression"."""
    return f"{instrument}-{band.replace('_', '-')}"


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _number(value) -> int | Decimal:
    """Return a stored number exactly as written: whole numbers as int, sent without ".0"."""
    exact = Decimal(str(value))
    return int(exact) if exact == exact.to_integral_value() else exact


def _survey() -> list[CodeableConcept]:
    return [CodeableConcept(coding=[Coding(system=OBSERVATION_CATEGORY, code="survey",
                                           display="Survey")])]


def _displays() -> dict[str, tuple[str, str]]:
    """Return every local code with its English and Dutch display."""
    displays = dict(LOCAL_CONCEPTS)
    for (instrument, band), wording in CLINICAL_BAND_WORDING.items():
        with force_locale("en"):
            english = str(wording)
        with force_locale("nl"):
            dutch = str(wording)
        displays[band_code(instrument, band)] = (english, dutch)
    return displays


def _local(code: str, displays: dict[str, tuple[str, str]]) -> Coding:
    return Coding(system=local_system(), version=CODESYSTEM_VERSION, code=code,
                  display=displays[code][0])


def _code_system(displays: dict[str, tuple[str, str]]) -> CodeSystem:
    """Return the practice's local CodeSystem, with a Dutch designation for every code."""
    return CodeSystem(
        url=local_system(),
        version=CODESYSTEM_VERSION,
        name="PostpartumPortalCodes",
        title="Postpartum recovery portal: local codes",
        status="active",
        content="complete",
        caseSensitive=True,
        concept=[
            CodeSystemConcept(
                code=code,
                display=english,
                designation=[CodeSystemConceptDesignation(language="nl", value=dutch)],
            )
            for code, (english, dutch) in displays.items()
        ],
    )


def _patient(client: User) -> Patient:
    profile = client.profile
    birth_date = profile.date_of_birth if profile is not None else None
    return Patient(
        identifier=[Identifier(system=patient_system(), value=str(client.id))],
        name=[HumanName(text=client.full_name)],
        birthDate=birth_date,
    )


def _responses(client: User, period: Period | None, zone: ZoneInfo) -> list[QuestionnaireResponse]:
    query = sa.select(QuestionnaireResponse).where(QuestionnaireResponse.client_id == client.id)
    if period is not None:
        start = datetime.combine(period.start, time.min, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(period.end + timedelta(days=1), time.min,
                               tzinfo=zone).astimezone(UTC)
        query = query.where(QuestionnaireResponse.submitted_at >= start,
                            QuestionnaireResponse.submitted_at < end)
    return list(db.session.scalars(
        query.order_by(QuestionnaireResponse.submitted_at, QuestionnaireResponse.id)))


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
        questionnaire=f"{questionnaire_url(response.instrument)}|{questionnaire_version(response)}",
        status="completed",
        subject=Reference(reference=patient_ref),
        authored=response.submitted_at.astimezone(UTC),
        item=items or None,  # FHIR JSON holds no empty arrays
    )


def _method(instrument: str) -> CodeableConcept | None:
    codings = []
    if instrument in PANELS:
        codings.append(Coding(system=LOINC, code=PANELS[instrument],
                              display=PANEL_DISPLAYS[instrument]))
    if instrument in INSTRUMENT_SNOMED:
        code, display = INSTRUMENT_SNOMED[instrument]
        codings.append(Coding(system=SNOMED, code=code, display=display))
    return CodeableConcept(coding=codings) if codings else None


def _total_observation(
    response: QuestionnaireResponse, patient_ref: str, qr_ref: str, displays
) -> Observation:
    """Return the total score as an MII PRO "Score Instance"-shaped Observation."""
    codings = []
    if response.instrument in TOTAL_LOINC:
        code, display = TOTAL_LOINC[response.instrument]
        codings.append(Coding(system=LOINC, code=code, display=display))
    total_code = f"{response.instrument}-total"
    if total_code in displays:
        codings.append(_local(total_code, displays))
    else:
        codings.append(Coding(system=local_system(), version=CODESYSTEM_VERSION,
                              code=total_code))
    interpretation = None
    code = band_code(response.instrument, response.band) if response.band else None
    if code in displays:
        interpretation = [CodeableConcept(coding=[_local(code, displays)],
                                          text=displays[code][0])]
    return Observation(
        status="final",
        category=_survey(),
        code=CodeableConcept(coding=codings),
        subject=Reference(reference=patient_ref),
        effectiveDateTime=response.submitted_at.astimezone(UTC),
        valueQuantity=Quantity(value=int(response.total), unit="{score}", system=UCUM,
                               code="{score}"),
        derivedFrom=[Reference(reference=qr_ref)],
        method=_method(response.instrument),
        interpretation=interpretation,
    )


def _item10_observation(score: int, response: QuestionnaireResponse, patient_ref: str,
                        qr_ref: str, displays) -> Observation:
    """Return EPDS item 10 as an Observation of its own, interpreted positive from 1."""
    verdict = "epds-item-10-positive" if score >= 1 else "epds-item-10-negative"
    return Observation(
        status="final",
        category=_survey(),
        code=CodeableConcept(coding=[_local(ITEM10_CODE, displays)],
                             text=displays[ITEM10_CODE][0]),
        subject=Reference(reference=patient_ref),
        effectiveDateTime=response.submitted_at.astimezone(UTC),
        valueInteger=int(score),
        derivedFrom=[Reference(reference=qr_ref)],
        method=_method("epds"),
        interpretation=[CodeableConcept(coding=[_local(verdict, displays)],
                                        text=displays[verdict][0])],
    )


def _safety_flag(portal_flag: Flag | None, response: QuestionnaireResponse, patient_ref: str,
                 observation_ref: str, displays) -> FhirFlag:
    """Return the FHIR Flag of a positive item 10: active while the portal's flag is open."""
    active = portal_flag is not None and portal_flag.is_open
    started = portal_flag.raised_at if portal_flag is not None else response.submitted_at
    ended = None
    if portal_flag is not None and not active:
        ended = portal_flag.acknowledged_at or portal_flag.cleared_at
    return FhirFlag(
        extension=[Extension(url=FLAG_DETAIL, valueReference=Reference(reference=observation_ref))],
        status="active" if active else "inactive",
        category=[CodeableConcept(coding=[Coding(system=FLAG_CATEGORY, code="clinical",
                                                 display="Clinical")])],
        code=CodeableConcept(coding=[_local(SAFETY_FLAG_CODE, displays)],
                             text=displays[SAFETY_FLAG_CODE][0]),
        subject=Reference(reference=patient_ref),
        period=FhirPeriod(start=started.astimezone(UTC),
                          end=ended.astimezone(UTC) if ended else None),
    )


def _safety_flags(client: User) -> dict[str, Flag]:
    """Return her portal safety flags by the response that raised them (its id as text)."""
    flags = db.session.scalars(
        sa.select(Flag).where(Flag.client_id == client.id, Flag.rule == "safety")
        .order_by(Flag.raised_at, Flag.id)
    )
    by_response = {}
    for flag in flags:
        key = str((flag.evidence or {}).get("response_id") or flag.episode_key or "")
        if key:
            by_response[key] = flag
    return by_response


def _measure_observation(day: date, key: str, value, patient_ref: str, displays) -> Observation:
    unit = MEASURE_UNITS[key]
    return Observation(
        status="final",
        category=_survey(),
        code=CodeableConcept(coding=[_local(key, displays)]),
        subject=Reference(reference=patient_ref),
        effectiveDateTime=day,
        valueQuantity=Quantity(value=_number(value), unit=unit, system=UCUM, code=unit),
    )


def build_bundle(client: User, period: Period | None = None,
                 now: datetime | None = None) -> Bundle:
    """Return her Bundle: Patient, questionnaires with scores, item 10 and flags, check-ins.

    Without a period it holds her whole history; with one, what was recorded in it.
    """
    zone = ZoneInfo(client.timezone or "Europe/Amsterdam")
    now = now or datetime.now(UTC)
    displays = _displays()
    patient_ref = _urn()
    entries = [
        BundleEntry(fullUrl=patient_ref, resource=_patient(client)),
        BundleEntry(fullUrl=_urn(), resource=_code_system(displays)),
    ]
    safety_flags = _safety_flags(client)
    for response in _responses(client, period, zone):
        answers = _questionnaire_response(response, patient_ref)
        if answers is None:
            continue
        qr_ref = _urn()
        entries.append(BundleEntry(fullUrl=qr_ref, resource=answers))
        entries.append(BundleEntry(
            fullUrl=_urn(),
            resource=_total_observation(response, patient_ref, qr_ref, displays)))
        score = labels.item_10(response.instrument, response.item_scores)
        if score is None or len(response.item_scores or ()) <= EPDS_SAFETY_ITEM_INDEX:
            continue
        item_ref = _urn()
        entries.append(BundleEntry(
            fullUrl=item_ref,
            resource=_item10_observation(score, response, patient_ref, qr_ref, displays)))
        if score >= 1:
            entries.append(BundleEntry(fullUrl=_urn(), resource=_safety_flag(
                safety_flags.get(str(response.id)), response, patient_ref, item_ref,
                displays)))
    query = (
        sa.select(CheckIn.day, *[getattr(CheckIn, key) for key in MEASURE_KEYS])
        .where(CheckIn.client_id == client.id)
        .order_by(CheckIn.day)
    )
    if period is not None:
        query = query.where(CheckIn.day >= period.start, CheckIn.day <= period.end)
    for row in db.session.execute(query):
        for key in MEASURE_KEYS:
            value = getattr(row, key)
            if value is not None:
                entries.append(BundleEntry(
                    fullUrl=_urn(),
                    resource=_measure_observation(row.day, key, value, patient_ref, displays)))
    return Bundle(type="collection", timestamp=now, entry=entries)
