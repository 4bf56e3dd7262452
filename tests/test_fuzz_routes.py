"""Random and hostile path parameters and query strings on every GET route, for every role.

Routes come from app.url_map, so a new GET route is fuzzed without touching this file. For each
role (anonymous, a client, her practitioner, an admin) and each GET route, hypothesis builds
addresses whose path parameters are real ids and names of the authorisation matrix's world,
out-of-range numbers (0, 2**31, 10**20, ...) or hostile text, and whose query strings mix the
names the portal reads (dates, periods, pages, filters, the route's own form fields) with
hostile values (dates in year 1 or 9999, NaN, huge numbers, markup). The server must never
answer 5xx. Every failing route is listed at the end rather than stopping at the first.
"""

import re
from urllib.parse import quote, urlencode

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CSRF_RE
from tests.test_authorisation_matrix import PASSWORD, World
from tests.test_fuzz_forms import NAME_RE

ROLES = {"anonymous": "anon", "client": "owner", "practitioner": "her_practitioner",
         "admin": "admin"}
EXAMPLES_PER_ROUTE = 15
# A PDF that renders takes a WeasyPrint run; fewer examples keep the test quick.
EXAMPLES_PER_PDF_ROUTE = 5
PLACEHOLDER = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]+)>")

HOSTILE = [
    "", " ", "0", "-1", "1", "7", "30", "90", "99999999999999999999", "1e308", "NaN", "-inf",
    "3.5", "٣", "𝟙", "\ufeff", "\u202e", "é" * 300, "x" * 5000, "' OR 1=1 --",
    "<script>alert(1)</script>", "javascript:alert(1)", "//evil.example", "../../etc/passwd",
    "None", "null", "true", "on", "[]", "{}", "%00", "csv", "nl", "en",
]
DATES = [
    "0001-01-01", "0001-01-07", "1999-12-31", "2000-01-01", "2026-02-30", "2026-13-01",
    "2100-12-31", "2101-01-01", "9999-12-31", "10000-01-01", "2026-1-1", "20260101", "today",
]
IDS = ["0", "2147483647", "2147483648", "9223372036854775808", "99999999999999999999",
       "1" * 400, "-5", "٣", "0x10", "1e3"]
QUERY_NAMES = [
    "start", "end", "days", "day", "date_from", "date_to", "page", "format", "q", "flagged",
    "silent", "delivery_type", "client", "user", "next", "lang", "locale", "token", "id",
]
VALUES = st.one_of(st.sampled_from(HOSTILE + DATES + IDS), st.text(max_size=40))


@pytest.fixture
def app_config() -> dict:
    return {"LOGIN_LIMIT": "100000 per minute", "ENQUIRY_LIMIT": "100000 per minute"}


def get_routes(app) -> list:
    """Return every route that answers GET, in a stable order."""
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods]
    return sorted(rules, key=lambda rule: rule.rule)


def _path_strategy(converter: str | None, real: object) -> st.SearchStrategy[str]:
    """A third of the time the real value, so that query strings reach real pages too."""
    if converter == "int":
        hostile = [st.sampled_from(IDS), st.integers(min_value=0, max_value=10**30).map(str)]
    else:
        hostile = [st.sampled_from(HOSTILE + DATES), st.text(max_size=30)]
    return st.one_of(([st.just(str(real))] if real is not None else []) + hostile)


def _address(rule, path_values: dict[str, str], query: dict[str, str]) -> str:
    def fill(match: re.Match) -> str:
        safe = "/" if match["converter"] == "path" else ""
        return quote(path_values[match["name"]], safe=safe)

    path = PLACEHOLDER.sub(fill, rule.rule)
    return f"{path}?{urlencode(query)}" if query else path


def _signed_in_browser(app, user):
    browser = app.test_client()
    if user is not None:
        token = CSRF_RE.search(browser.get("/login").get_data(as_text=True))[1]
        response = browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token})
        assert response.status_code == 302
    return browser


def _query_names(browser, app, rule, real_values: dict) -> list[str]:
    """Add the names of the route's own form fields (read from the page) to the usual ones."""
    names = set(QUERY_NAMES)
    if all(name in real_values for name in rule.arguments):
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: real_values[name] for name in rule.arguments})
        page = browser.get(url)
        if page.mimetype == "text/html":
            names |= set(NAME_RE.findall(page.get_data(as_text=True))) - {"csrf_token"}
    return sorted(names)


def _fuzz_route(browser, rule, names: list[str], real_values: dict) -> None:
    """Send hostile addresses for one route; raise on the first 5xx (after shrinking)."""
    arguments = {
        match["name"]: _path_strategy(match["converter"], real_values.get(match["name"]))
        for match in PLACEHOLDER.finditer(rule.rule)
    }
    examples = EXAMPLES_PER_PDF_ROUTE if rule.rule.endswith(".pdf") else EXAMPLES_PER_ROUTE

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(path_values=st.fixed_dictionaries(arguments),
           query=st.dictionaries(st.sampled_from(names), VALUES, max_size=4))
    def get_garbage(path_values, query):
        url = _address(rule, path_values, query)
        response = browser.get(url)
        assert response.status_code < 500, f"{response.status_code} on {url}"

    get_garbage()


@pytest.mark.parametrize("role", list(ROLES))
def test_every_get_route_survives_hostile_paths_and_query_strings(app, role):
    world = World()
    user = world.visitor(ROLES[role], "A")
    browser = _signed_in_browser(app, user)
    failures = []
    for rule in get_routes(app):
        real_values = _real_values(world, rule)
        names = _query_names(browser, app, rule, real_values)
        try:
            _fuzz_route(browser, rule, names, real_values)
        except Exception as error:  # collect every route's failure, then report them all
            failures.append(f"{rule.endpoint}: {error}")
    assert not failures, "\n".join(failures)


def _real_values(world: World, rule) -> dict:
    """Return the world's real values for the route's arguments it knows."""
    try:
        return world.url_values(rule, "A")
    except KeyError:  # a route with an argument the world does not know: hostile values only
        return {}
