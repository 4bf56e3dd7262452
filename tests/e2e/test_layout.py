"""Layouts that fit: on a 390 px phone and at 200 % zoom no page is wider than the screen,
the navigation leaves the first screen to the content, and help is always in view."""

import urllib.parse
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.checkins.services import save_checkin
from portal.dates import local_today
from portal.extensions import db
from portal.models import CheckIn, User
from tests.e2e.test_accessibility import demo  # noqa: F401 (fixture)
from tests.e2e.test_checkin_and_safety import make_mother, sign_in

CLIENT_PAGES = ["/me/", "/me/history", "/questionnaires/", "/guidance/", "/reports/me",
                "/account/", "/help", "/questionnaires/epds", "/offline", "/messages/",
                "/me/appointments/"]

WIDEST = "() => document.documentElement.scrollWidth"


@pytest.fixture
def mother_page(live_app, base_url, page):
    make_mother()
    sign_in(page, base_url, "mother@example.test")
    return page


def test_no_page_is_wider_than_a_phone_and_help_stays_in_view(base_url, mother_page):
    page = mother_page
    for path in CLIENT_PAGES:
        page.goto(f"{base_url}{path}")
        assert page.evaluate(WIDEST) <= 390, path
        # The header is one line, so the page starts on the first screen.
        assert page.locator("header.site-header").bounding_box()["height"] <= 64, path
        help_link = page.locator("nav.tabbar a[href='/help']")
        assert help_link.is_visible(), path
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(50)
        box = help_link.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= 844, path
    assert page.console_errors == []


def test_the_phone_menu_opens_the_rest_of_the_navigation(base_url, mother_page):
    page = mother_page
    menu = page.locator("#site-menu")
    assert not menu.get_by_role("link", name="Vragenlijsten").is_visible()
    toggle = page.locator("nav.tabbar [aria-controls=site-menu]")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    menu.get_by_role("link", name="Vragenlijsten").click()
    page.wait_for_url(f"{base_url}/questionnaires/")


def test_scale_tiles_are_equal_and_wrap_at_200_percent_zoom(base_url, mother_page):
    page = mother_page
    widths = page.locator("fieldset.scale").first.locator("label").evaluate_all(
        "labels => labels.map(l => Math.round(l.getBoundingClientRect().width))"
    )
    assert len(widths) == 5 and max(widths) - min(widths) <= 1
    # 200 % zoom on a 390 px phone leaves 195 CSS pixels: the tiles wrap, nothing scrolls sideways.
    page.set_viewport_size({"width": 195, "height": 422})
    for path in CLIENT_PAGES:
        page.goto(f"{base_url}{path}")
        assert page.evaluate(WIDEST) <= 195, path


def tap_without_scrolling(page, target) -> None:
    """Tap the middle of target as a thumb would: it must be on screen and not covered."""
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert page.evaluate("() => window.scrollY") == 0
    assert 0 <= y <= page.viewport_size["height"], "she would have to scroll to reach it"
    covered = page.evaluate(
        "([x, y, el]) => !el.contains(document.elementFromPoint(x, y))",
        [x, y, target.element_handle()],
    )
    assert not covered, "something lies over it"
    page.mouse.click(x, y)


def test_a_mood_only_checkin_takes_two_taps_and_no_scrolling(base_url, mother_page):
    page = mother_page
    taps = [
        page.locator("label:has(input[name=mood][value='2'])"),
        page.locator("article.checkin .save-bar button"),
    ]
    for target in taps:
        tap_without_scrolling(page, target)
    page.wait_for_url(f"{base_url}/me/saved/*")
    assert len(taps) <= 3
    assert db.session.scalar(sa.select(CheckIn.mood)) == 2


def test_history_is_a_day_list_with_charts_readable_on_a_phone(base_url, mother_page):
    from datetime import timedelta

    from portal.checkins.history import CHART_FONT, CHART_WIDTH
    from portal.checkins.services import save_checkin
    from portal.dates import local_today
    from portal.models import User

    mother = db.session.scalar(sa.select(User).where(User.email == "mother@example.test"))
    today = local_today()
    for offset, mood in ((0, 3), (1, 4), (2, 2), (5, 3), (6, 4)):
        save_checkin(mother, today - timedelta(days=offset), {"mood": mood, "sleep_hours": 6.5})
    db.session.commit()
    page = mother_page
    page.goto(f"{base_url}/me/history")
    assert page.evaluate(WIDEST) <= 390
    shown = page.locator("figure.chart img").first.bounding_box()["width"]
    assert CHART_FONT * shown / CHART_WIDTH >= 12  # axis labels at least 12 px on screen
    change = page.locator(".day-list li").first.locator("a.change")
    box = change.bounding_box()
    assert box["x"] + box["width"] <= 390
    assert page.locator(".day-list li").count() == 5


def test_phone_consult_labels_sit_above_their_own_inputs(live_app, base_url, page):
    from tests.e2e.test_checkin_and_safety import PASSWORD

    mother, practitioner = make_mother()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill(practitioner.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/practice/")
    page.goto(f"{base_url}/practice/clients/{mother.id}")
    pairs = page.locator("#phone-consult .grid-fields label[for]").evaluate_all(
        """labels => labels.map(label => {
             const input = document.getElementById(label.htmlFor);
             const l = label.getBoundingClientRect(), i = input.getBoundingClientRect();
             return [label.htmlFor, l.left, l.bottom, i.left, i.top];
           })"""
    )
    assert len(pairs) >= 3
    for name, label_left, label_bottom, input_left, input_top in pairs:
        assert abs(label_left - input_left) < 2, name  # the same column
        assert 0 <= input_top - label_bottom < 24, name  # directly above it


def _staff_page(browser, base_url, width: int, language: str):
    from tests.e2e.test_accessibility import sign_in as staff_sign_in

    context = browser.new_context(viewport={"width": width, "height": 900 if width > 900 else 844})
    page = context.new_page()
    page.goto(f"{base_url}/help?lang={language}")
    staff_sign_in(page, base_url, "practitioner@demo.test")
    return context, page


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_dashboard_column_fits_at_1366(base_url, browser, language):
    context, page = _staff_page(browser, base_url, 1366, language)
    page.goto(f"{base_url}/practice/?lang={language}")
    table = page.locator("table.dashboard")
    assert table.locator("tbody tr").count() >= 5
    widths = page.locator(".table-wrap").evaluate("wrap => [wrap.scrollWidth, wrap.clientWidth]")
    assert widths[0] <= widths[1], widths
    assert page.evaluate(WIDEST) <= 1366
    last = table.locator("thead th").last.bounding_box()
    assert last["x"] + last["width"] <= 1366
    badges = page.locator("table.dashboard td.flags .badge .flag-age")
    assert badges.count() >= 1
    assert all(text.strip() for text in badges.all_inner_texts())
    context.close()


def _check_filter_form(page, width: int, form) -> None:
    """Assert a filter form is an ordinary stacked form that fits and keeps Show reachable."""
    assert page.evaluate(WIDEST) <= width
    # Each label directly above its own input, in the same column.
    pairs = form.locator("label[for]:not(.checkbox)").evaluate_all(
        """labels => labels.map(label => {
             const l = label.getBoundingClientRect();
             const i = document.getElementById(label.htmlFor).getBoundingClientRect();
             return [label.htmlFor, l.left, l.bottom, i.left, i.top, i.height];
           })"""
    )
    assert len(pairs) >= 2
    for name, label_left, label_bottom, input_left, input_top, height in pairs:
        assert abs(label_left - input_left) < 2 and 0 <= input_top - label_bottom < 24, name
        assert height < 80, name  # an ordinary input, not a 190 px tall group cell
    # Checkboxes are square, not radio circles.
    radii = form.locator("input[type=checkbox]").evaluate_all(
        "boxes => boxes.map(b => parseFloat(getComputedStyle(b).borderTopLeftRadius))"
    )
    assert all(radius < 8 for radius in radii)
    show = form.locator("button[type=submit]").bounding_box()
    assert show["x"] >= 0 and show["x"] + show["width"] <= width


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("width", [390, 1366])
def test_filter_forms_are_stacked_and_show_is_reachable(base_url, browser, width):
    from portal.demo import ADMIN_EMAIL
    from tests.e2e.test_accessibility import sign_in as staff_sign_in

    context, page = _staff_page(browser, base_url, width, "nl")
    page.goto(f"{base_url}/practice/")
    # The dashboard's search is always open and, at a desk, one line above the clients.
    form = page.locator("form.dashboard-search")
    assert form.locator("input[type=checkbox]").count() == 2
    assert page.evaluate(WIDEST) <= width
    labelled = form.locator("input, select").evaluate_all(
        """fields => fields.filter(f => f.type !== 'hidden').map(f =>
             !!(f.labels && f.labels.length))"""
    )
    assert labelled and all(labelled)
    radii = form.locator("input[type=checkbox]").evaluate_all(
        "boxes => boxes.map(b => parseFloat(getComputedStyle(b).borderTopLeftRadius))"
    )
    assert all(radius < 8 for radius in radii)
    show = form.locator("button[type=submit]").bounding_box()
    assert show["x"] >= 0 and show["x"] + show["width"] <= width
    if width >= 1366:
        search = form.locator("input[type=search]").bounding_box()
        assert abs(show["y"] - search["y"]) < 20  # one line
    context.clear_cookies()
    staff_sign_in(page, base_url, ADMIN_EMAIL)
    page.goto(f"{base_url}/admin/access-log/")
    _check_filter_form(page, width, page.locator("form.access-log-filters"))
    context.close()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_scale_words_are_whole_readable_and_distinct_on_a_phone(base_url, mother_page, language):
    page = mother_page
    if language == "en":
        page.locator(".language-switch button[value=en]").click()
        page.wait_for_load_state()
    words = page.locator(".scale .choices label").evaluate_all(
        """labels => labels.map(l => ({
             text: l.textContent.trim(), name: l.querySelector('input').name,
             size: parseFloat(getComputedStyle(l).fontSize),
             whole: l.scrollWidth <= l.clientWidth
                    && getComputedStyle(l).overflowWrap === 'normal'}))"""
    )
    assert len(words) == 25
    assert all(word["size"] >= 14 for word in words)
    assert [word["text"] for word in words if not word["whole"]] == []  # no break inside a word
    for name in {word["name"] for word in words}:
        texts = [word["text"][1:].lower() for word in words if word["name"] == name]
        # Five different steps: no step repeats the one below it ("Een beetje" and then
        # "Een beetje verbonden" said the same thing twice).
        assert len(set(texts)) == 5, texts
        steps = zip(texts, texts[1:], strict=False)
        assert not any(upper.startswith(lower) for lower, upper in steps), texts


def test_every_chart_legend_is_whole_on_a_phone(base_url, mother_page):
    """In Dutch the 7-day legend was cut to "...7 dag" on the history page's phone charts."""
    page = mother_page
    mother = db.session.scalar(sa.select(User).where(User.email == "mother@example.test"))
    today = local_today(mother.timezone)
    for offset in range(10):
        save_checkin(mother, today - timedelta(days=offset),
                     {"mood": 2 + offset % 3, "tension": 2, "energy": 3, "bonding": 4,
                      "sleep_hours": 6.5})
    db.session.commit()
    sources = []
    for path in ("/me/history", "/reports/me"):
        page.goto(f"{base_url}{path}")
        sources += page.locator("main figure img").evaluate_all("imgs => imgs.map(i => i.src)")
    assert len(sources) >= 7
    drawing = page.context.new_page()  # an empty page of its own: the SVG's styles apply
    for source in sources:
        if source.startswith("data:"):
            svg = urllib.parse.unquote(source.split(",", 1)[1])
        else:  # a chart with an address of its own, fetched with her session
            svg = page.request.get(source).text()
        drawing.set_content(svg)
        cut = drawing.evaluate(
            """() => { const svg = document.querySelector('svg');
                 const right = svg.getBoundingClientRect().right;
                 return [...svg.querySelectorAll('.legends text')]
                   .filter(t => t.getBoundingClientRect().right > right + 0.5)
                   .map(t => t.textContent); }"""
        )
        assert cut == [], cut
        legends = drawing.locator(".legends text").evaluate_all(
            "texts => texts.map(t => t.textContent)")
        assert all("…" not in text for text in legends)
    drawing.close()


def test_charts_are_dark_in_dark_mode_on_every_page_of_hers(base_url, mother_page):
    page = mother_page
    mother = db.session.scalar(sa.select(User).where(User.email == "mother@example.test"))
    today = local_today(mother.timezone)
    for offset in range(3):
        save_checkin(mother, today - timedelta(days=offset), {"mood": 3, "sleep_hours": 7})
    db.session.commit()
    page.emulate_media(color_scheme="dark")
    for path in ("/me/history", "/reports/me"):
        page.goto(f"{base_url}{path}")
        filters = page.locator("main figure img").evaluate_all(
            "imgs => imgs.map(i => getComputedStyle(i).filter)")
        assert filters and all("invert" in value for value in filters), (path, filters)
        # The page itself is dark too: Pico's dark colours come from the linked dark sheet.
        background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        assert background == "rgb(19, 23, 31)", (path, background)
