"""axe-core over the main pages of every role, in both languages: zero violations, no id used
twice, and no page wider than the screen (390 px for a mother, 1366 px and 390 px for staff).

axe-core is vendored in static/vendor/axe-core (see its README) and injected by the test,
so the portal's pages never load it and the CSP stays as it is.
"""

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.demo import ADMIN_EMAIL, DEMO_PASSWORD, client_email, seed_demo
from portal.extensions import db
from portal.models import User

AXE = (Path(__file__).parents[2] / "static/vendor/axe-core/axe.min.js").read_text()

ANONYMOUS = ["/", "/help", "/offline", "/about", "/contact", "/login"]
MOTHER = ["/me/", "/me/history", "/questionnaires/", "/questionnaires/epds", "/guidance/",
          "/reports/me", "/account/", "/messages/", "/offline", "/me/appointments/",
          "/me/appointments/book/practice"]
PRACTITIONER = ["/practice/", "/practice/clients/{client_id}", "/account/", "/practice/calendar",
                "/practice/availability"]
ADMIN = ["/admin/", "/admin/enquiries", "/admin/outbox", "/admin/access-log/",
         "/guidance/admin/", "/questionnaires/admin/instruments", "/account/admin/erasure",
         "/account/admin/retention", "/admin/hours"]


def axe_violations(page) -> list[str]:
    """Run axe-core on the page and describe each violation with its first element."""
    page.evaluate(AXE)
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => `${v.id}: ${v.help} (${v.nodes.length}x, ${v.nodes[0].target})`)"""
    )
    return found


def check_pages(page, base_url, paths, width) -> dict[str, list[str]]:
    problems = {}
    for path in paths:
        page.goto(f"{base_url}{path}")
        found = axe_violations(page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        if overflow > width:
            found.append(f"page is {overflow} px wide on a {width} px screen")
        twice = page.evaluate(
            """() => { const seen = new Set(), twice = new Set();
                 for (const el of document.querySelectorAll('[id]'))
                   (seen.has(el.id) ? twice : seen).add(el.id);
                 return [...twice]; }"""
        )
        if twice:
            found.append(f"ids used twice: {twice}")
        if found:
            problems[path] = found
    return problems


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url


@pytest.fixture
def demo(live_app):
    seed_demo()
    # The demo's staff use an authenticator; these pages are about layout, not sign-in.
    for user in db.session.scalars(sa.select(User).where(User.totp_enabled.is_(True))):
        user.totp_enabled = False
    db.session.commit()
    mother = db.session.scalar(sa.select(User).where(User.email == client_email(1)))
    return {"client_id": mother.id}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_mother_s_pages_have_no_violations_on_a_phone(base_url, demo, browser, language):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base_url}/help?lang={language}")
    problems = check_pages(page, base_url, [p for p in ANONYMOUS if p != "/help"], 390)
    sign_in(page, base_url, client_email(1))
    if language == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
    problems.update(check_pages(page, base_url, MOTHER + ["/help"], 390))
    context.close()
    assert problems == {}


@pytest.mark.parametrize("width", [1366, 390])
def test_staff_pages_have_no_violations(base_url, demo, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, base_url, "practitioner@demo.test")
    paths = [path.format(**demo) for path in PRACTITIONER]
    problems = check_pages(page, base_url, paths, width)
    context.clear_cookies()
    sign_in(page, base_url, ADMIN_EMAIL)
    problems.update({f"admin {k}": v for k, v in check_pages(page, base_url, ADMIN, width).items()})
    context.close()
    assert problems == {}


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || !el.closest('article.checkin form')) return null;
  const style = getComputedStyle(el);
  return {what: el.tagName.toLowerCase() + (el.type ? '[' + el.type + ']' : '') +
                (el.name ? ' ' + el.name : ''),
          style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          colour: style.outlineColor};
}"""


@pytest.mark.parametrize("width", [390, 1366])
def test_every_control_of_the_checkin_form_shows_a_focus_ring(base_url, demo, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    sign_in(page, base_url, client_email(1))
    page.goto(f"{base_url}/me/")
    # Open the folded sections, so that their checkboxes are tabbed through too.
    page.locator("article.checkin form details").evaluate_all(
        "all => all.forEach(d => d.open = true)"
    )
    seen, missing = [], []
    for _ in range(120):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            if seen:
                break  # tabbed past the form's last control
            continue
        seen.append(focused["what"])
        visible = (focused["style"] not in ("none", "hidden") and focused["width"] >= 2
                   and not focused["colour"].endswith(", 0)"))
        if not visible:
            missing.append(focused)
    context.close()
    kinds = {what.split(" ")[0] for what in seen}
    assert {"input[radio]", "input[checkbox]", "button[submit]"} <= kinds, seen
    assert missing == []


# Her controls: what is not a link inside a sentence must be at least 44 x 44 px to a thumb.
SMALL_TARGETS = """() => {
  const small = [];
  const controls = 'a, button, select, input, textarea, summary, label';
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest('[hidden]')) continue;
    if (el.matches('.skip-link, input[type=radio], input[type=checkbox], [type=hidden]')) continue;
    if (el.matches('a') && el.closest('p, small, td, dd, li > span')
        && !el.matches('[role=button], .call')) continue;
    if (el.matches('label') && !el.querySelector('[type=radio], [type=checkbox]')) continue;
    if (box.height < 44 || box.width < 44) {
      small.push(`${el.tagName} "${(el.textContent || el.value || '').trim().slice(0, 30)}" `
                 + `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def test_her_touch_targets_are_at_least_44_px_and_pass_axe_target_size(base_url, demo, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, base_url, client_email(1))
    problems = {}
    for path in [*MOTHER, "/help"]:
        page.goto(f"{base_url}{path}")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        found = page.evaluate(SMALL_TARGETS)
        page.evaluate(AXE)
        found += page.evaluate(
            """async () => (await axe.run(document, {runOnly: ['target-size']})).violations
                 .map(v => `${v.id}: ${v.nodes.length}x, ${v.nodes[0].target}`)"""
        )
        if found:
            problems[path] = found
    context.close()
    assert problems == {}
