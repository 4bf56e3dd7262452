"""In Chromium: a second visit fetches no static file, and no page breaks the CSP to look right."""

from tests.e2e.test_checkin_and_safety import make_mother, sign_in
from tests.e2e.test_offline import wait_for_service_worker


def record_requests(app) -> list[str]:
    """Record the path of every request the server receives from now on."""
    seen: list[str] = []
    inner = app.wsgi_app

    def recording(environ, start_response):
        seen.append(environ.get("PATH_INFO", ""))
        return inner(environ, start_response)

    app.wsgi_app = recording
    return seen


def test_a_repeat_visit_fetches_no_static_file(live_app, base_url, page):
    make_mother()
    sign_in(page, base_url, "mother@example.test")
    page.goto(f"{base_url}/me/history")
    wait_for_service_worker(page)
    page.wait_for_load_state("networkidle")
    seen = record_requests(live_app)
    for path in ("/me/", "/me/history", "/help", "/me/"):
        page.goto(f"{base_url}{path}")
        page.wait_for_load_state("networkidle")
    pages = [p for p in seen if not p.startswith("/static/")]
    assert "/me/history" in pages and "/help" in pages  # the pages came from the server ...
    assert [p for p in seen if p.startswith("/static/")] == []  # ... their files did not
    # And the page is styled by its inline stylesheet (the CSP let it through).
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.skip-link')).position"
    ) == "absolute"
    assert not [error for error in page.console_errors if "Content Security Policy" in error]
