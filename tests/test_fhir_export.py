"""The FHIR R4 export: a Bundle of her period that holds the same numbers as the summary.

Every Bundle a test receives is validated by the fhir.resources library (its R4B models, the
R4-compatible set it ships), as a receiving system would parse it.
"""

import io
import json
import re
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from portal.dates import local_today
from portal.extensions import db
from portal.models import AuditEvent, CareTeamMember
from portal.reports.fhir import LOINC, build_bundle, local_system, questionnaire_url
from portal.reports.summary import MEASURES, PRACTITIONER, build_summary, last_days
from tests.conftest import PASSWORD, login, post_form
from tests.test_reports_factory import fill_client

LINK_RE = re.compile(r"http://[^/\s]+(/s/[A-Za-z0-9_\-]+)")


@pytest.fixture
def record(app, make):
    with app.test_request_context():
        full = fill_client(make, days=30)
        full.client.profile.date_of_birth = date(1994, 3, 7)
        db.session.commit()
        yield full


def validated(text: str | bytes) -> dict:
    """Return the Bundle JSON as a dict after fhir.resources has validated it."""
    bundle = json.loads(text)
    Bundle.model_validate(bundle)
    return bundle


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes(resource: dict) -> dict[str, str]:
    return {coding["system"]: coding["code"] for coding in resource["code"]["coding"]}


def summary_of(record, days=30):
    period = last_days(days, record.today)
    return build_summary(record.client, period.start, period.end, audience=PRACTITIONER,
                         locale="en")


def bundle_text(record, days=30) -> str:
    """Return the JSON text of her Bundle, serialised as the portal sends it."""
    return build_bundle(record.client, last_days(days, record.today)).model_dump_json()


def bundle_of(record, days=30) -> tuple[dict, object]:
    return validated(bundle_text(record, days)), summary_of(record, days)


def test_the_bundle_holds_patient_answers_totals_and_checkins(app, record):
    with app.test_request_context():
        bundle, summary = bundle_of(record)
        system = local_system()
        epds_url, gad7_url = questionnaire_url("epds"), questionnaire_url("gad7")
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    (patient,) = resources(bundle, "Patient")
    assert patient == {"resourceType": "Patient", "name": [{"text": "Eva de Boer"}],
                       "birthDate": "1994-03-07"}
    answers = resources(bundle, "QuestionnaireResponse")
    assert {r["questionnaire"] for r in answers} == {epds_url, gad7_url}
    assert all(len(r["item"]) == (10 if r["questionnaire"] == epds_url else 7) for r in answers)
    totals = [o for o in resources(bundle, "Observation") if "valueInteger" in o]
    for total in totals:
        coded = codes(total)
        if coded[system] == "gad7-total":
            assert coded[LOINC] == "70274-6" and total["method"]["coding"][0]["code"] == "69737-5"
        else:
            # No EPDS total-score LOINC code could be confirmed: none is sent.
            assert coded == {system: "epds-total"}
            assert total["method"]["coding"][0]["code"] == "71354-5"
    refs = {e["fullUrl"] for e in bundle["entry"]}
    assert all(t["derivedFrom"][0]["reference"] in refs for t in totals)
    measures = {codes(o)[system] for o in resources(bundle, "Observation") if "valueQuantity" in o}
    assert measures == {m.key for m in MEASURES}


@pytest.mark.parametrize("days", [7, 30, 90])
def test_a_round_trip_gives_the_numbers_of_the_summary(app, record, days):
    with app.test_request_context():
        summary = summary_of(record, days)
        # Parsed back by the library, as a receiving system reads it.
        parsed = Bundle.model_validate_json(bundle_text(record, days))
        system = local_system()
    observations = [e.resource for e in parsed.entry if isinstance(e.resource, Observation)]

    def local_code(observation: Observation) -> str:
        (code,) = [c.code for c in observation.code.coding if c.system == system]
        return code

    totals = [(local_code(o).removesuffix("-total"), o.valueInteger)
              for o in observations if o.valueInteger is not None]
    assert totals == [(q.instrument, q.total) for q in summary.questionnaires]
    assert len(totals) >= 2
    values = defaultdict(list)
    for observation in observations:
        if observation.valueQuantity is not None:
            values[local_code(observation)].append(observation.valueQuantity.value)
    for measure in MEASURES:
        average = summary.average(measure.key)
        assert len(values[measure.key]) == average.days_logged > 0, measure.key
        mean = Decimal(sum(values[measure.key])) / len(values[measure.key])
        shown = mean.quantize(Decimal(1).scaleb(-measure.decimals), rounding=ROUND_HALF_UP)
        assert shown == average.value, measure.key


@pytest.mark.parametrize("days", [7, 30, 90])
def test_every_bundle_validates_with_fhir_resources(app, record, days):
    with app.test_request_context():
        parsed = Bundle.model_validate_json(bundle_text(record, days))
    kinds = {entry.resource.get_resource_type() for entry in parsed.entry}
    assert kinds == {"Patient", "QuestionnaireResponse", "Observation"}


def test_a_bundle_of_a_client_with_nothing_logged_validates(app, make):
    with app.test_request_context():
        client = make.client(name="Noor Bakker")
        text = build_bundle(client, last_days(30, local_today(client.timezone))).model_dump_json()
    bundle = validated(text)
    assert [e["resource"] for e in bundle["entry"]] == [
        {"resourceType": "Patient", "name": [{"text": "Noor Bakker"}]}]


def test_her_practitioner_downloads_it_and_it_is_logged(app, record, make):
    browser = app.test_client()
    login(browser, record.practitioner)
    response = browser.get(f"/reports/clients/{record.client.id}/fhir.json?days=7")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    assert validated(response.data)["resourceType"] == "Bundle"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "fhir_exported", AuditEvent.client_id == record.client.id)) == 1
    assert browser.get(f"/reports/clients/{record.client.id}/fhir.json?days=5000"
                       ).status_code == 422
    other = app.test_client()
    login(other, make.practitioner())
    assert other.get(f"/reports/clients/{record.client.id}/fhir.json").status_code == 404


def test_the_share_page_offers_the_bundle(app, record, outbox):
    midwife = CareTeamMember(client_id=record.client.id, role="verloskundige", name="Vera",
                             email="vera@vroedvrouw.test")
    db.session.add(midwife)
    db.session.commit()
    browser = app.test_client()
    login(browser, record.client)
    post_form(browser, "/account/shares", {
        "share-member_id": str(midwife.id), "share-period_days": "30",
        "share-valid_days": "14", "share-consent": "y"})
    (message,) = [m for m in outbox if m.kind == "share_link"]
    path = LINK_RE.search(message.body).group(1)
    recipient = app.test_client()
    assert f'href="{path}/fhir.json"' in recipient.get(path).get_data(as_text=True)
    response = recipient.get(f"{path}/fhir.json")
    assert response.status_code == 200 and response.headers["Referrer-Policy"] == "no-referrer"
    bundle = validated(response.data)
    assert resources(bundle, "Patient")[0]["name"][0]["text"] == "Eva de Boer"


def test_her_data_export_holds_the_bundle(app, record):
    browser = app.test_client()
    login(browser, record.client)
    response = post_form(browser, "/account/export", {"export-current_password": PASSWORD})
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    bundle = validated(archive.read("fhir.json"))
    assert bundle["resourceType"] == "Bundle"
    days = {o["effectiveDateTime"] for o in resources(bundle, "Observation")
            if "valueQuantity" in o}
    # Everything since her first check-in, not only the last 30 days.
    assert min(days) <= (record.today - timedelta(days=59)).isoformat()
