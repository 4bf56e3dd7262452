"""The FHIR R4 export: a Bundle of her period that holds the same numbers as the summary.

Every Bundle a test receives is validated twice (tests/fhir_validation.py): by the
fhir.resources library (its R4B models, the R4-compatible set it ships), as a receiving system
would parse it, and by the official FHIR R4 JSON schema through jsonschema.
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
from tests.fhir_validation import validate_both
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
    """Return the Bundle JSON as a dict after both validators accepted it."""
    return validate_both(text)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes(resource: dict) -> dict[str, str]:
    return {coding["system"]: coding["code"] for coding in resource["code"]["coding"]}


def is_total(observation: dict) -> bool:
    return any(c["code"].endswith("-total") for c in observation["code"]["coding"])


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
        base = app.config["BASE_URL"].rstrip("/")
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    (patient,) = resources(bundle, "Patient")
    assert patient == {"resourceType": "Patient",
                       "identifier": [{"system": f"{base}/clients",
                                       "value": str(record.client.id)}],
                       "name": [{"text": "Eva de Boer"}], "birthDate": "1994-03-07"}
    answers = resources(bundle, "QuestionnaireResponse")
    # Versioned canonicals: the wording the answers were given on is part of the reference.
    assert {r["questionnaire"].split("|")[0] for r in answers} == {epds_url, gad7_url}
    assert all("|" in r["questionnaire"] for r in answers)
    assert all(len(r["item"]) == (10 if r["questionnaire"].startswith(epds_url) else 7)
               for r in answers)
    totals = [o for o in resources(bundle, "Observation") if is_total(o)]
    for total in totals:
        coded = codes(total)
        # The MII PRO "Score Instance" shape: {score} quantity, survey, panel as method.
        assert total["valueQuantity"] == {"value": total["valueQuantity"]["value"],
                                          "unit": "{score}", "system": "http://unitsofmeasure.org",
                                          "code": "{score}"}
        assert total["category"][0]["coding"][0]["code"] == "survey"
        method = {c["system"]: c["code"] for c in total["method"]["coding"]}
        if coded[system] == "gad7-total":
            assert coded[LOINC] == "70274-6" and method == {LOINC: "69737-5"}
        else:
            # No EPDS total-score LOINC code could be confirmed: the local code only.
            assert coded == {system: "epds-total"}
            assert method == {LOINC: "71354-5", "http://snomed.info/sct": "273441006"}
        (interpretation,) = total["interpretation"]
        assert interpretation["coding"][0]["system"] == system
        assert "_" not in interpretation["coding"][0]["code"]  # never an internal key
        assert "_" not in interpretation["text"]
    refs = {e["fullUrl"] for e in bundle["entry"]}
    assert all(t["derivedFrom"][0]["reference"] in refs for t in totals)
    measures = {codes(o)[system] for o in resources(bundle, "Observation")
                if "valueQuantity" in o and not is_total(o)}
    assert measures == {m.key for m in MEASURES}
    (code_system,) = resources(bundle, "CodeSystem")
    assert code_system["url"] == system and code_system["version"]
    concepts = {c["code"]: c for c in code_system["concept"]}
    assert concepts["epds-possible-depression"]["designation"][0]["language"] == "nl"
    used = {c["code"] for o in resources(bundle, "Observation")
            for part in [o["code"], *o.get("interpretation", [])]
            for c in part["coding"] if c["system"] == system}
    assert used <= set(concepts)


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

    totals = [(local_code(o).removesuffix("-total"), int(o.valueQuantity.value))
              for o in observations if local_code(o).endswith("-total")]
    assert totals == [(q.instrument, q.total) for q in summary.questionnaires]
    assert len(totals) >= 2
    values = defaultdict(list)
    for observation in observations:
        if local_code(observation) in {m.key for m in MEASURES}:
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
    assert kinds == {"Patient", "CodeSystem", "QuestionnaireResponse", "Observation"}


def test_a_bundle_of_a_client_with_nothing_logged_validates(app, make):
    with app.test_request_context():
        client = make.client(name="Noor Bakker")
        text = build_bundle(client, last_days(30, local_today(client.timezone))).model_dump_json()
    bundle = validated(text)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient", "CodeSystem"]


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
            if "valueQuantity" in o and not is_total(o)}
    # Everything since her first check-in, not only the last 30 days.
    assert min(days) <= (record.today - timedelta(days=59)).isoformat()


# --- Item 10, its Flag, whole history, and both validators -----------------------------------


@pytest.fixture
def at_risk(app, make):
    from tests.test_referral_front import make_at_risk

    with app.test_request_context():
        yield make_at_risk(make)


def item10_observations(bundle: dict) -> list[dict]:
    return [o for o in resources(bundle, "Observation")
            if any(c["code"] == "epds-item-10" for c in o["code"]["coding"])]


def test_item_10_is_an_observation_of_its_own_and_a_positive_one_yields_a_flag(app, at_risk):
    full, item10_day = at_risk
    with app.test_request_context():
        bundle = validated(build_bundle(full.client).model_dump_json())
    epds_answers = [r for r in resources(bundle, "QuestionnaireResponse")
                    if "/Questionnaire/epds|" in r["questionnaire"]]
    items = item10_observations(bundle)
    assert len(items) == len(epds_answers)  # one per EPDS, 0 included
    (positive,) = [o for o in items if o["valueInteger"] >= 1]
    assert positive["valueInteger"] == 2
    assert positive["effectiveDateTime"].startswith(item10_day.isoformat())
    assert positive["interpretation"][0]["coding"][0]["code"] == "epds-item-10-positive"
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    source = by_url[positive["derivedFrom"][0]["reference"]]
    assert source["resourceType"] == "QuestionnaireResponse"
    assert source["item"][9]["answer"][0]["valueInteger"] == 2
    (flag,) = resources(bundle, "Flag")
    assert flag["status"] == "active"  # the portal's safety flag is still open
    assert flag["extension"][0]["url"] == "http://hl7.org/fhir/StructureDefinition/flag-detail"
    assert by_url[flag["extension"][0]["valueReference"]["reference"]] is not None
    assert flag["extension"][0]["valueReference"]["reference"] in {
        e["fullUrl"] for e in bundle["entry"] if e["resource"] is positive}
    # The item-10 EPDS has total 2, yet its total is never "few symptoms" without item 10 beside
    # it: the Flag and the item-10 Observation travel in the same Bundle.
    assert "Flag" in {e["resource"]["resourceType"] for e in bundle["entry"]}


def test_the_flag_turns_inactive_once_the_practice_acknowledged_it(app, at_risk):
    full, _day = at_risk
    from portal.models import Flag

    safety = db.session.scalar(sa.select(Flag).where(Flag.rule == "safety"))
    safety.acknowledged_at = safety.raised_at + timedelta(hours=1)
    safety.acknowledgement_note = "Called her, GP appointment tomorrow."
    db.session.commit()
    with app.test_request_context():
        bundle = validated(build_bundle(full.client).model_dump_json())
    (flag,) = resources(bundle, "Flag")
    assert flag["status"] == "inactive" and flag["period"]["end"]


def test_the_practitioners_export_holds_the_whole_history_by_default(app, at_risk):
    from tests.test_reports_factory import add_response

    full, _day = at_risk
    long_ago = full.today - timedelta(days=200)
    add_response(full.client, "epds", [1] * 10, long_ago)
    db.session.commit()
    browser = app.test_client()
    login(browser, full.practitioner)
    whole = validated(browser.get(f"/reports/clients/{full.client.id}/fhir.json").data)
    month = validated(browser.get(f"/reports/clients/{full.client.id}/fhir.json?days=30").data)
    dates = sorted(r["authored"] for r in resources(whole, "QuestionnaireResponse"))
    assert dates[0].startswith(long_ago.isoformat())
    assert not any(r["authored"].startswith(long_ago.isoformat())
                   for r in resources(month, "QuestionnaireResponse"))
    assert resources(whole, "Flag")


def test_the_share_links_bundle_carries_item_10_and_the_flag(app, at_risk, outbox):
    from tests.test_referral_front import _share_outputs

    full, _day = at_risk
    app.config["SHARE_LIMIT"] = "1000 per minute"
    path, recipient = _share_outputs(app, full, "en", outbox)
    bundle = validated(recipient.get(f"{path}/fhir.json").data)
    assert [o["valueInteger"] for o in item10_observations(bundle) if o["valueInteger"]] == [2]
    assert [f["status"] for f in resources(bundle, "Flag")] == ["active"]


def _break(bundle: dict, how: str) -> dict:
    broken = json.loads(json.dumps(bundle))
    observation = next(e["resource"] for e in broken["entry"]
                       if e["resource"]["resourceType"] == "Observation")
    if how == "unknown element":
        observation["colour"] = "red"
    elif how == "text where a number belongs":
        observation["valueQuantity"]["value"] = "twelve"
    elif how == "no code":
        del observation["code"]
    elif how == "a date that is not one":
        observation["effectiveDateTime"] = "yesterday"
    return broken


@pytest.mark.parametrize("how", ["unknown element", "text where a number belongs", "no code",
                                 "a date that is not one"])
def test_a_deliberately_broken_bundle_fails_both_validators(app, at_risk, how):
    from fhir.resources.R4B.bundle import Bundle as R4BBundle
    from pydantic import ValidationError

    from tests.fhir_validation import schema_errors

    full, _day = at_risk
    with app.test_request_context():
        good = validated(build_bundle(full.client, last_days(7, full.today)).model_dump_json())
    broken = _break(good, how)
    with pytest.raises(ValidationError):
        R4BBundle.model_validate(broken)
    assert schema_errors(broken), how
    with pytest.raises((AssertionError, ValidationError)):
        validate_both(broken)
