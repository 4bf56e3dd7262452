"""Questionnaires end to end: scoring, results, bad answers, licensed wording, the safety path."""

import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Flag, InstrumentText, QuestionnaireResponse
from portal.questionnaires.instruments import load_instrument
from tests.conftest import post_drawn_form, post_form

DEFINITIONS = Path(__file__).resolve().parent.parent / "portal" / "questionnaires" / "definitions"


def answers_for(key: str, item_scores: list[int]) -> dict[str, str]:
    """Return form data choosing, per item, the option that gives the wanted score."""
    instrument = load_instrument(key)
    return {
        item.id: str(item.scores.index(points))
        for item, points in zip(instrument.items, item_scores, strict=True)
    }


@pytest.fixture
def mother(login_as, make):
    practitioner = make.practitioner(name="Petra Praktijk")
    client = make.client(practitioner=practitioner, name="Mira Moeder")
    client.locale = "en"
    db.session.commit()
    test_client, client = login_as("client", user=client)
    return test_client, client, practitioner


def submit(test_client, key, item_scores, **extra):
    return post_drawn_form(
        test_client, f"/questionnaires/{key}", {**answers_for(key, item_scores), **extra}
    )


def test_epds_result_explains_the_band_in_plain_words(mother):
    test_client, client, _practitioner = mother
    response = submit(test_client, "epds", [1, 1, 1, 1, 2, 1, 1, 2, 1, 0])
    assert response.status_code == 303
    stored = db.session.scalar(sa.select(QuestionnaireResponse))
    assert (stored.total, stored.band, stored.safety) == (11, "possible_depression", False)
    assert stored.subscales == {"epds3a": 4}
    page = test_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "11 out of 30" in page
    assert "talk about how you feel with your practitioner" in page
    assert "not a diagnosis" in page
    assert "Please contact your practitioner to talk about this" not in page


def test_epds_of_thirteen_asks_her_to_contact_her_practitioner(mother):
    test_client, _client, _practitioner = mother
    response = submit(test_client, "epds", [2, 2, 2, 1, 1, 1, 1, 1, 2, 0])
    page = test_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "13 out of 30" in page
    assert "Please contact your practitioner to talk about this" in page


def test_gad7_high_score_raises_a_flag(mother):
    test_client, client, _practitioner = mother
    submit(test_client, "gad7", [3, 3, 2, 2, 2, 2, 2])
    flag = db.session.scalar(sa.select(Flag).where(Flag.client_id == client.id))
    assert (flag.rule, flag.level) == ("anxiety", "high")


@pytest.mark.parametrize(
    "broken",
    [
        {"epds1": ""},
        {"epds1": "4"},
        {"epds1": "-1"},
        {"epds10": "three"},
        {"epds5": "1.5"},
    ],
)
def test_bad_answers_say_which_question_and_store_nothing(mother, broken):
    test_client, _client, _practitioner = mother
    data = {**answers_for("epds", [0] * 10), **broken}
    response = post_drawn_form(test_client, "/questionnaires/epds", data)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 0


def test_unknown_questionnaire_is_404(mother):
    test_client, _client, _practitioner = mother
    assert test_client.get("/questionnaires/phq9").status_code == 404


def test_a_result_of_another_client_is_404(mother, make):
    test_client, _client, _practitioner = mother
    other = make.client()
    foreign = QuestionnaireResponse(
        client_id=other.id, instrument="gad7", answers={}, item_scores=[0] * 7, total=0,
        band="minimal", locale="nl",
    )
    db.session.add(foreign)
    db.session.commit()
    assert test_client.get(f"/questionnaires/results/{foreign.id}").status_code == 404


def test_results_history_lists_earlier_answers(mother):
    test_client, _client, _practitioner = mother
    submit(test_client, "gad7", [1, 1, 1, 1, 1, 0, 0])
    page = test_client.get("/questionnaires/").get_data(as_text=True)
    assert "score 5" in page
    assert "Some complaints of worry or tension" in page


def test_due_questionnaire_shows_on_the_home_page(mother):
    test_client, client, _practitioner = mother
    from datetime import timedelta

    client.profile.started_on = client.profile.started_on - timedelta(days=15)
    db.session.commit()
    page = test_client.get("/me/").get_data(as_text=True)
    assert "/questionnaires/epds" in page
    assert "A questionnaire is ready for you" in page


# --- The safety path: must never break. ---------------------------------------------------


def test_item_ten_shows_help_first_and_notifies_the_practitioner(mother, outbox):
    test_client, client, practitioner = mother
    response = submit(test_client, "epds", [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    # The answer to the POST leads straight to the help page: no tap in between.
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/help")
    page = test_client.get(response.headers["Location"]).get_data(as_text=True)
    for number in ("113", "0800-0113", "112", "088-0767 000"):
        assert number in page
    assert "not watched around the clock" in page
    assert "Your practitioner has been told" in page
    flag = db.session.scalar(sa.select(Flag).where(Flag.rule == "safety"))
    assert flag.level == "urgent" and flag.client_id == client.id and flag.notified_at
    mail = next(m for m in outbox if m.to == (practitioner.email,))
    # Named by initials and client number, never by her full name.
    assert "M.M. (" in mail.body and f" {client.id})" in mail.body
    assert "Mira" not in mail.body and mail.kind == "urgent_flag"
    # No answers or health details in the mail body.
    for leak in ("EPDS", "epds", "harm", "score", "item", "1/30"):
        assert leak not in mail.body and leak not in mail.subject


def test_item_ten_is_urgent_whatever_the_total(mother):
    test_client, _client, _practitioner = mother
    submit(test_client, "epds", [3, 3, 3, 3, 3, 3, 3, 3, 3, 3])
    levels = set(db.session.scalars(sa.select(Flag.rule)))
    assert {"safety", "epds_high"} <= levels


def test_without_a_practitioner_the_admins_are_told(login_as, make, outbox):
    admin = make.admin()
    client = make.client()
    test_client, _client = login_as("client", user=client)
    submit(test_client, "epds", [0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
    assert any(m.to == (admin.email,) for m in outbox)


# --- Licensed wording. ---------------------------------------------------------------------


def test_admin_installs_valid_licensed_wording(login_as):
    test_client, _admin = login_as("admin")
    example = (DEFINITIONS / "licensed-example.json").read_bytes()
    response = post_form(
        test_client, "/questionnaires/admin/instruments",
        {"instrument": "epds", "definition": (io.BytesIO(example), "epds-nl.json")},
        token_from="/questionnaires/admin/instruments", content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(InstrumentText.locale)) == "nl"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["items"][0].update(scores=[3, 2, 1, 0]),
        lambda d: d["items"].pop(),
        lambda d: d["items"].append(dict(d["items"][0], id="epds11")),
        lambda d: d["items"][2].update(text=""),
    ],
)
def test_admin_upload_with_another_structure_is_refused(login_as, mutate):
    test_client, _admin = login_as("admin")
    definition = json.loads((DEFINITIONS / "licensed-example.json").read_text())
    mutate(definition)
    response = post_form(
        test_client, "/questionnaires/admin/instruments",
        {"instrument": "epds",
         "definition": (io.BytesIO(json.dumps(definition).encode()), "epds.json")},
        token_from="/questionnaires/admin/instruments", content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(InstrumentText.id))) == 0


def test_admin_upload_of_garbage_is_refused(login_as):
    test_client, _admin = login_as("admin")
    response = post_form(
        test_client, "/questionnaires/admin/instruments",
        {"instrument": "epds", "definition": (io.BytesIO(b"\xff\x00not json"), "x.json")},
        token_from="/questionnaires/admin/instruments", content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_placeholder_notice_for_admins_and_practitioners(login_as, make):
    admin_client, _admin = login_as("admin")
    page = admin_client.get("/questionnaires/admin/instruments").get_data(as_text=True)
    assert "Tijdelijke tekst: gelicentieerde tekst niet geïnstalleerd" in page
    practitioner = make.practitioner()
    practitioner.locale = "en"
    client = make.client(practitioner=practitioner)
    db.session.commit()
    test_client, _practitioner = login_as(user=practitioner)
    page = test_client.get(f"/questionnaires/clients/{client.id}/epds").get_data(as_text=True)
    assert "licensed wording of this questionnaire is not installed" in page
    gad = test_client.get(f"/questionnaires/clients/{client.id}/gad7").get_data(as_text=True)
    assert "not a validated translation" not in gad  # English GAD-7 is the original


def test_cli_installs_and_refuses(runner, tmp_path):
    example = str(DEFINITIONS / "licensed-example.json")
    good = runner.invoke(args=["instruments", "install", example])
    assert good.exit_code == 0, good.output
    broken = json.loads((DEFINITIONS / "licensed-example.json").read_text())
    broken["items"][0]["scores"] = [1, 1, 1, 1]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    bad = runner.invoke(args=["instruments", "install", str(path)])
    assert bad.exit_code != 0
    assert "nothing changed" in bad.output


def test_practitioner_records_answers_for_their_client(login_as, make):
    practitioner = make.practitioner()
    client = make.client(practitioner=practitioner)
    test_client, _practitioner = login_as(user=practitioner)
    path = f"/questionnaires/clients/{client.id}/gad7"
    response = post_drawn_form(test_client, path, answers_for("gad7", [0] * 7))
    assert response.status_code == 303
    stored = db.session.scalar(sa.select(QuestionnaireResponse))
    assert stored.entered_by_id == practitioner.id and stored.client_id == client.id


def test_another_practitioner_cannot_record_answers(login_as, make):
    client = make.client(practitioner=make.practitioner())
    test_client, _other = login_as("practitioner")
    assert test_client.get(f"/questionnaires/clients/{client.id}/gad7").status_code == 404


# --- An item-10 answer is never summed up as "few symptoms". -------------------------------

SAFETY_HEADLINE = "One answer about harming yourself – please talk about it"


def test_an_item_ten_answer_heads_the_result_and_the_history(mother):
    test_client, _client, _practitioner = mother
    submit(test_client, "epds", [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    stored = db.session.scalar(sa.select(QuestionnaireResponse))
    assert (stored.total, stored.band, stored.safety) == (1, "few_symptoms", True)
    page = test_client.get(f"/questionnaires/results/{stored.id}").get_data(as_text=True)
    headline = re.search(r"<h2[^>]*>(.*?)</h2>", page, re.S).group(1)
    assert SAFETY_HEADLINE in headline
    assert "Few symptoms" not in page and "few signs of low mood" not in page
    history = test_client.get("/questionnaires/").get_data(as_text=True)
    assert SAFETY_HEADLINE in history and "Few symptoms" not in history


def test_without_an_item_ten_answer_the_band_heads_the_result(mother):
    test_client, _client, _practitioner = mother
    submit(test_client, "epds", [1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    stored = db.session.scalar(sa.select(QuestionnaireResponse))
    page = test_client.get(f"/questionnaires/results/{stored.id}").get_data(as_text=True)
    assert SAFETY_HEADLINE not in page


# --- Each response records the wording it was answered on. ---------------------------------


def test_each_response_records_its_wording(mother):
    test_client, client, _practitioner = mother
    submit(test_client, "epds", [0] * 10)
    submit(test_client, "gad7", [0] * 7)
    epds, gad7 = db.session.scalars(
        sa.select(QuestionnaireResponse).order_by(QuestionnaireResponse.id)
    ).all()
    assert (epds.wording, epds.wording_locale, epds.wording_validated) == (
        "placeholder",
        "en",
        False,
    )
    assert (gad7.wording, gad7.wording_locale, gad7.wording_validated) == ("licensed", "en", True)
    assert epds.wording_version and gad7.wording_version
    # The Dutch GAD-7 is the portal's own translation: licensed text, not validated.
    client.locale = "nl"
    db.session.commit()
    submit(test_client, "gad7", [0] * 7)
    dutch = db.session.scalar(
        sa.select(QuestionnaireResponse).order_by(QuestionnaireResponse.id.desc())
    )
    assert (dutch.wording, dutch.wording_locale, dutch.wording_validated) == (
        "licensed",
        "nl",
        False,
    )
    assert dutch.wording_version != gad7.wording_version


def test_installed_licensed_wording_is_recorded_with_its_version(mother):
    test_client, client, _practitioner = mother
    client.locale = "nl"
    submit(test_client, "epds", [0] * 10)
    definition = json.loads((DEFINITIONS / "licensed-example.json").read_text())
    db.session.add(InstrumentText(instrument="epds", locale="nl", definition=definition))
    db.session.commit()
    submit(test_client, "epds", [0] * 10)
    before, after = db.session.scalars(
        sa.select(QuestionnaireResponse).order_by(QuestionnaireResponse.id)
    ).all()
    assert before.wording == "placeholder"
    assert (after.wording, after.wording_locale, after.wording_validated) == (
        "licensed",
        "nl",
        True,
    )
    assert after.wording_version != before.wording_version
def test_a_mother_sees_the_citation_and_staff_also_the_licence_note(login_as, make):
    test_client, client = login_as("client")
    page = test_client.get("/questionnaires/gad7").get_data(as_text=True)
    assert "Spitzer RL, Kroenke K" in page
    assert "licensed-example.json" not in page
    assert "has not been validated" not in page
    progress = test_client.get("/reports/me").get_data(as_text=True)
    assert "licensed-example.json" not in progress
