"""Random and hostile form data against the check-in and questionnaire forms: never a 500."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.dates import local_today
from portal.extensions import db
from portal.models import CheckIn, QuestionnaireResponse
from tests.conftest import csrf_token

HOSTILE = st.sampled_from([
    "", " ", "0", "-1", "3", "5", "6", "1e3", "NaN", "inf", "3.5", "٣", "\u0000", "\ufeff4",
    "' OR 1=1 --", "<script>alert(1)</script>", "𝟙", "x" * 5000, "2026-02-30", "None",
])
VALUES = st.one_of(HOSTILE, st.text(max_size=60), st.integers(-10**6, 10**6).map(str))
CHECKIN_FIELDS = ["day", "mood", "tension", "energy", "bonding", "sleep_hours",
                  "night_wakings", "sleep_quality", "skin_to_skin_minutes", "activities", "note",
                  "client_id", "id", "submission_id"]
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture
def signed_in(login_as):
    test_client, client = login_as("client")
    return test_client, client, csrf_token(test_client, "/me/")


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def drawn(data: dict) -> dict:
    """Return the data as sent from a freshly drawn form: with its own id, unless fuzzed."""
    return {"submission_id": str(uuid.uuid4()), **data}


@FUZZ
@given(data=st.dictionaries(st.sampled_from(CHECKIN_FIELDS), VALUES, max_size=8))
def test_checkin_form_never_fails_and_never_stores_invalid_input(signed_in, data):
    test_client, client, token = signed_in
    before = count(CheckIn)
    response = test_client.post("/me/", data={**drawn(data), "csrf_token": token})
    assert response.status_code in (303, 400, 422)  # 400: a NUL character (input_guard)
    if response.status_code in (400, 422):
        assert count(CheckIn) == before
    else:
        stored = db.session.scalars(sa.select(CheckIn).order_by(CheckIn.updated_at.desc())).first()
        assert 1 <= stored.mood <= 5 and stored.client_id == client.id
        assert local_today() - timedelta(days=7) <= stored.day <= local_today()


@FUZZ
@given(data=st.dictionaries(
    st.sampled_from([f"epds{n}" for n in range(1, 12)] + ["total", "submission_id"]),
    VALUES, max_size=12))
def test_questionnaire_form_never_fails_and_never_stores_invalid_input(signed_in, data):
    test_client, _client, token = signed_in
    before = count(QuestionnaireResponse)
    response = test_client.post("/questionnaires/epds", data={**drawn(data), "csrf_token": token})
    assert response.status_code in (303, 400, 422)
    if response.status_code in (400, 422):
        assert count(QuestionnaireResponse) == before


def test_posts_without_csrf_change_nothing(signed_in):
    test_client, _client, _token = signed_in
    response = test_client.post("/me/", data={"day": local_today().isoformat(), "mood": "3"})
    assert response.status_code == 400
    assert count(CheckIn) == 0


def test_stored_text_comes_back_escaped(signed_in):
    test_client, _client, token = signed_in
    note = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    test_client.post("/me/", data=drawn({"day": local_today().isoformat(), "mood": "3",
                                         "note": note, "csrf_token": token}))
    page = test_client.get("/me/").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page
