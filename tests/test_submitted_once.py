"""Submitted once: check-ins and questionnaires answer a POST with 303 See Other to a page a
reload or Back can fetch again, and carry a one-time submission id, so the same submission
arriving twice (a reload, a double tap, a retry over a flaky network) stores one row."""

import threading
import uuid

import pytest
import sqlalchemy as sa

from portal.dates import local_today
from portal.extensions import db
from portal.models import CheckIn, Flag, QuestionnaireResponse, User
from portal.questionnaires.instruments import load_instrument
from portal.questionnaires.services import submit
from tests.conftest import SUBMISSION_RE, drawn_form

REFUSED = "did not arrive as it should"
HELP_NUMBERS = ("113", "0800-0113", "112", "088-0767 000")


def answers_for(key: str, item_scores: list[int]) -> dict[str, str]:
    """Return form data choosing, per item, the option that gives the wanted score."""
    instrument = load_instrument(key)
    return {
        item.id: str(item.scores.index(points))
        for item, points in zip(instrument.items, item_scores, strict=True)
    }


ITEM_TEN = [0] * 9 + [1]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


@pytest.fixture
def practitioner(make) -> User:
    practitioner = make.practitioner(name="Petra Praktijk")
    practitioner.locale = "en"
    db.session.commit()
    return practitioner


@pytest.fixture
def mother(login_as, make, practitioner):
    client = make.client(practitioner=practitioner, name="Mira Moeder")
    client.locale = "en"
    db.session.commit()
    test_client, client = login_as("client", user=client)
    return test_client, client


# --- Questionnaires -------------------------------------------------------------------------


def test_item_ten_answer_is_a_303_to_her_own_help_page(mother, practitioner, outbox):
    test_client, client = mother
    fields = drawn_form(test_client, "/questionnaires/epds")
    response = test_client.post(
        "/questionnaires/epds", data={**answers_for("epds", ITEM_TEN), **fields}
    )
    stored = db.session.scalar(sa.select(QuestionnaireResponse))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/questionnaires/results/{stored.id}/help"
    page = test_client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for number in HELP_NUMBERS:
        assert number in text
    assert "not watched around the clock" in text
    assert "Your practitioner has been told" in text
    assert f"/questionnaires/results/{stored.id}" in text  # her answers are one tap away
    assert stored.client_id == client.id and stored.safety


def test_the_same_epds_submission_posted_twice_is_stored_once(mother, practitioner, outbox):
    test_client, _client = mother
    data = {**answers_for("epds", ITEM_TEN), **drawn_form(test_client, "/questionnaires/epds")}
    first = test_client.post("/questionnaires/epds", data=data)
    again = test_client.post("/questionnaires/epds", data=data)
    assert (first.status_code, again.status_code) == (303, 303)
    assert again.headers["Location"] == first.headers["Location"]
    assert count(QuestionnaireResponse) == 1
    assert db.session.scalars(sa.select(Flag.rule)).all() == ["safety"]
    assert len([m for m in outbox if m.to == (practitioner.email,)]) == 1
    # The repeat leads to the same help page, which still says she is not alone.
    page = test_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "088-0767 000" in page and "Your practitioner has been told" in page


def test_a_repeated_submission_leads_to_the_first_result(mother):
    test_client, _client = mother
    data = {**answers_for("gad7", [1] * 7), **drawn_form(test_client, "/questionnaires/gad7")}
    first = test_client.post("/questionnaires/gad7", data=data)
    again = test_client.post("/questionnaires/gad7", data=data)
    stored = db.session.scalar(sa.select(QuestionnaireResponse))
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert first.headers["Location"] == f"/questionnaires/results/{stored.id}"
    assert count(QuestionnaireResponse) == 1


def test_reloading_the_result_and_help_pages_stores_nothing(mother, outbox):
    test_client, _client = mother
    for key, scores in (("epds", ITEM_TEN), ("gad7", [3] * 7)):
        fields = drawn_form(test_client, f"/questionnaires/{key}")
        posted = test_client.post(
            f"/questionnaires/{key}", data={**answers_for(key, scores), **fields}
        )
        before = (count(QuestionnaireResponse), count(Flag), len(outbox))
        for _reload in range(3):
            assert test_client.get(posted.headers["Location"]).status_code == 200
        assert (count(QuestionnaireResponse), count(Flag), len(outbox)) == before
    assert count(QuestionnaireResponse) == 2


def test_back_draws_a_fresh_form_so_filling_it_again_is_a_new_response(mother):
    test_client, _client = mother
    first = drawn_form(test_client, "/questionnaires/gad7")
    test_client.post("/questionnaires/gad7", data={**answers_for("gad7", [0] * 7), **first})
    second = drawn_form(test_client, "/questionnaires/gad7")  # Back, or a new visit
    assert second["submission_id"] != first["submission_id"]
    test_client.post("/questionnaires/gad7", data={**answers_for("gad7", [1] * 7), **second})
    assert sorted(db.session.scalars(sa.select(QuestionnaireResponse.total))) == [0, 7]


def test_her_help_page_is_hers_only(mother, make, login_as, practitioner):
    test_client, _client = mother
    fields = drawn_form(test_client, "/questionnaires/epds")
    posted = test_client.post(
        "/questionnaires/epds", data={**answers_for("epds", ITEM_TEN), **fields}
    )
    help_page = posted.headers["Location"]
    other_client, _other = login_as("client")
    assert other_client.get(help_page).status_code == 404
    staff, _practitioner = login_as(user=practitioner)
    assert staff.get(help_page).status_code == 403
    assert test_client.get("/questionnaires/results/99999/help").status_code == 404


def test_the_help_page_of_an_answer_without_a_safety_answer_shows_the_result(mother):
    test_client, _client = mother
    fields = drawn_form(test_client, "/questionnaires/gad7")
    posted = test_client.post(
        "/questionnaires/gad7", data={**answers_for("gad7", [0] * 7), **fields}
    )
    response = test_client.get(f"{posted.headers['Location']}/help")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == posted.headers["Location"]


def test_a_submission_id_already_used_by_another_client_is_refused(mother, make, login_as):
    test_client, client = mother
    fields = drawn_form(test_client, "/questionnaires/gad7")
    test_client.post("/questionnaires/gad7", data={**answers_for("gad7", [0] * 7), **fields})
    other = make.client(locale="en")
    other.locale = "en"
    db.session.commit()
    other_client, other = login_as("client", user=other)
    forged = {**drawn_form(other_client, "/questionnaires/gad7"),
              "submission_id": fields["submission_id"]}
    response = other_client.post(
        "/questionnaires/gad7", data={**answers_for("gad7", [3] * 7), **forged}
    )
    assert response.status_code == 422
    assert REFUSED in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(QuestionnaireResponse.client_id)).all() == [client.id]
    assert count(Flag) == 0


def test_the_practitioners_phone_consult_answers_are_stored_once(practitioner, make, login_as):
    client = make.client(practitioner=practitioner)
    test_client, _practitioner = login_as(user=practitioner)
    path = f"/questionnaires/clients/{client.id}/gad7"
    data = {**answers_for("gad7", [3] * 7), **drawn_form(test_client, path)}
    first = test_client.post(path, data=data)
    again = test_client.post(path, data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"] == (
        f"/practice/clients/{client.id}"
    )
    assert count(QuestionnaireResponse) == 1
    assert db.session.scalars(sa.select(Flag.rule)).all() == ["anxiety"]


def test_submitting_the_same_id_twice_without_http_returns_the_first_response(app, make):
    client = make.client()
    answers = {key: int(value) for key, value in answers_for("epds", ITEM_TEN).items()}
    submission_id = uuid.uuid4()
    response, news = submit(client, "epds", answers, "en", submission_id=submission_id)
    db.session.commit()
    again, more_news = submit(client, "epds", answers, "en", submission_id=submission_id)
    db.session.commit()
    assert again.id == response.id
    assert [flag.rule for flag in news] == ["safety"] and more_news == []
    assert count(QuestionnaireResponse) == 1


def test_concurrent_copies_of_one_submission_store_one_response(app, make):
    client_id = make.client(practitioner=make.practitioner()).id
    db.session.commit()  # end the test's transaction, or it holds SQLite's write lock
    answers = {key: int(value) for key, value in answers_for("epds", ITEM_TEN).items()}
    submission_id = uuid.uuid4()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def post_in_thread() -> None:
        try:
            with app.app_context():
                client = db.session.get(User, client_id)
                barrier.wait()
                response, news = submit(client, "epds", answers, "en",
                                        submission_id=submission_id)
                db.session.commit()
                results.append((response.id, len(news)))
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=post_in_thread) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(QuestionnaireResponse) == 1
    assert len({response_id for response_id, _news in results}) == 1
    assert sorted(news for _id, news in results) == [0, 0, 0, 1]  # one flag, one notice
    assert count(Flag) == 1


# --- Check-ins ------------------------------------------------------------------------------


def test_checkin_post_is_a_303_to_the_thank_you_page(mother):
    test_client, _client = mother
    today = local_today().isoformat()
    response = test_client.post(
        "/me/", data={"day": today, "mood": "4", **drawn_form(test_client, "/me/")}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/me/saved/{today}"
    before = count(CheckIn)
    assert "Thank you, it is saved" in test_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert count(CheckIn) == before == 1


def test_the_same_checkin_posted_twice_stores_one_row(mother):
    test_client, client = mother
    data = {"day": local_today().isoformat(), "mood": "2", "note": "Zware nacht",
            **drawn_form(test_client, "/me/")}
    first = test_client.post("/me/", data=data)
    again = test_client.post("/me/", data=data)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    rows = db.session.scalars(sa.select(CheckIn)).all()
    assert [(row.client_id, row.mood, row.note) for row in rows] == [(client.id, 2, "Zware nacht")]


def test_the_phone_consult_checkin_is_a_303_and_stored_once(practitioner, make, login_as):
    client = make.client(practitioner=practitioner)
    test_client, _practitioner = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    data = {"day": local_today().isoformat(), "mood": "3", **drawn_form(test_client, page)}
    first = test_client.post(f"{page}/checkins", data=data)
    again = test_client.post(f"{page}/checkins", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"].startswith(page)
    assert count(CheckIn) == 1


# --- A missing, malformed or forged submission id -------------------------------------------


FORMS = {
    "checkin": ("client", "/me/", "/me/", lambda: {"day": local_today().isoformat(), "mood": "3"}),
    "epds": ("client", "/questionnaires/epds", "/questionnaires/epds",
             lambda: answers_for("epds", ITEM_TEN)),
    "gad7": ("client", "/questionnaires/gad7", "/questionnaires/gad7",
             lambda: answers_for("gad7", [3] * 7)),
    "phone_checkin": ("practitioner", "/practice/clients/{id}", "/practice/clients/{id}/checkins",
                      lambda: {"day": local_today().isoformat(), "mood": "3"}),
    "phone_epds": ("practitioner", "/questionnaires/clients/{id}/epds",
                   "/questionnaires/clients/{id}/epds", lambda: answers_for("epds", ITEM_TEN)),
}
BAD_IDS = {
    "missing": None,
    "empty": "",
    "not_a_uuid": "not-a-uuid",
    "almost": "0b8c2a4e-6f1d-4c3b-9a7e-5d2f1e0c9b8",
    "sql": "0b8c2a4e-6f1d-4c3b-9a7e-5d2f1e0c9b8a' OR 1=1 --",
    "huge": "x" * 5000,
    "list": "[]",
}


@pytest.mark.parametrize("bad_id", BAD_IDS.values(), ids=BAD_IDS.keys())
@pytest.mark.parametrize("form", FORMS.keys())
def test_a_missing_or_malformed_submission_id_is_a_422_that_stores_nothing(
    form, bad_id, practitioner, make, login_as, outbox
):
    role, form_page, post_to, answers = FORMS[form]
    client = make.client(practitioner=practitioner)
    client.locale = "en"
    db.session.commit()
    test_client, _user = login_as(user=client if role == "client" else practitioner)
    form_page, post_to = form_page.format(id=client.id), post_to.format(id=client.id)
    fields = drawn_form(test_client, form_page)
    if bad_id is None:
        del fields["submission_id"]
    else:
        fields["submission_id"] = bad_id
    response = test_client.post(post_to, data={**answers(), **fields})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert REFUSED in page
    assert (count(CheckIn), count(QuestionnaireResponse), count(Flag), len(outbox)) == (0, 0, 0, 0)
    # The form is drawn again with a fresh id she can send.
    redrawn = SUBMISSION_RE.search(page)
    assert redrawn and uuid.UUID(redrawn[1]) and redrawn[1] != bad_id
