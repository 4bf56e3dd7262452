"""Random and hostile data posted to every form of the app, by a visitor allowed to use it.

For every POST route (from app.url_map, via the authorisation matrix's table) hypothesis posts
dictionaries of the form's own field names (read from the page) and random ones, with values
from oversized text, unicode edge cases, SQL and HTML fragments and wrong types. The server must
never answer 5xx, and a refused form (400/422) must leave every table but the access log as it
was.
"""

import re

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from tests.conftest import CSRF_RE
from tests.test_authorisation_matrix import EXPECTED, PASSWORD, VISITORS, World

NAME_RE = re.compile(r'name="([a-zA-Z0-9_\-]+)"')
HOSTILE = st.sampled_from([
    "", " ", "0", "-1", "1", "5", "99999999999999999999", "1e308", "NaN", "-inf", "3.5",
    "٣", "\ufeff", "\u202e", "𝟙", "é" * 300, "x" * 20000, "' OR 1=1 --", "\"; DROP TABLE users;",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
    "2026-02-30", "25:61", "None", "null", "true", "[]", "{}", "../../etc/passwd",
])
VALUES = st.one_of(HOSTILE, st.text(max_size=80))
EXTRA_NAMES = ["id", "client_id", "user_id", "role", "active", "admin", "next", "locale"]
# POST-only routes whose form sits on another page: read the field names there.
FORM_PAGES = {
    "careteam.own_contact": "/account/",
    "careteam.own_add_member": "/account/",
    "careteam.client_contact": "/practice/clients/{client_id}",
    "careteam.client_add_member": "/practice/clients/{client_id}",
    "careteam.record_call": "/practice/clients/{client_id}",
    "careteam.own_share": "/account/",
    "careteam.client_share": "/practice/clients/{client_id}",
    "reports.client_referral_pdf": "/practice/clients/{client_id}",
}
POST_CELLS = [
    endpoint for endpoint, rows in EXPECTED.items()
    # Signing out ends the session the rest of the examples need.
    if "POST" in rows and endpoint not in ("auth.logout", "privacy.sign_out_everywhere")
]


@pytest.fixture
def app_config() -> dict:
    return {"LOGIN_LIMIT": "100000 per minute", "ENQUIRY_LIMIT": "100000 per minute",
            "SHARE_LIMIT": "100000 per minute"}


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables if table.name != "audit_events"
    }


@pytest.mark.parametrize("endpoint", POST_CELLS)
def test_every_form_survives_hostile_input(app, endpoint):
    world = World()
    row = EXPECTED[endpoint]["POST"]
    visitor = VISITORS[row.index("ok")]
    user = world.visitor(visitor, "A")
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    with app.test_request_context():
        url = url_for(endpoint, **world.url_values(rule, "A"))
    browser = app.test_client()
    if user is not None:
        token = CSRF_RE.search(browser.get("/login").get_data(as_text=True))[1]
        browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                     "csrf_token": token})
    page = ""
    if "GET" in rule.methods:
        response = browser.get(url)
        # A GET that answers a document (the referral PDF) has no form to read field names from.
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
    if endpoint in FORM_PAGES:
        page_url = FORM_PAGES[endpoint].format(client_id=world.client["A"].id)
        page = browser.get(page_url).get_data(as_text=True)
    names = sorted(set(NAME_RE.findall(page)) - {"csrf_token"}) or ["value"]
    token = CSRF_RE.search(browser.get("/help").get_data(as_text=True))[1]

    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.dictionaries(st.sampled_from(names + EXTRA_NAMES), VALUES, max_size=10))
    def post_garbage(data):
        before = _row_counts()
        response = browser.post(url, data={**data, "csrf_token": token})
        assert response.status_code < 500, (endpoint, data)
        if response.status_code in (400, 422):
            db.session.rollback()
            assert _row_counts() == before, (endpoint, data)

    post_garbage()
