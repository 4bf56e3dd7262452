"""The client's guidance: modules page, lessons, progress, the pacer markup, recommendations."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.assets import JS_MARKER as js_marker
from portal.dates import local_today
from portal.extensions import db
from portal.guidance.loader import load_content
from portal.guidance.services import recommendations_for
from portal.models import (
    Assignment,
    AuditEvent,
    CheckIn,
    LessonProgress,
    Module,
    RecommendationDismissal,
)
from tests.conftest import post_form

PACER_LESSON = "/guidance/modules/stress-and-breathing/four-seven-eight-breathing"


@pytest.fixture
def content(app):
    load_content()
    db.session.commit()


@pytest.fixture
def mother(login_as, make, content):
    """A signed-in client reading in English, with her practitioner."""
    practitioner = make.practitioner(name="Petra Practitioner")
    test_client, user = login_as("client", practitioner=practitioner)
    user.locale = "en"
    db.session.commit()
    return test_client, user, practitioner


def module_by_slug(slug: str) -> Module:
    return db.session.scalar(sa.select(Module).where(Module.slug == slug))


def add_checkins(client, days: int, **values) -> None:
    today = local_today(client.timezone)
    for offset in range(days):
        db.session.add(
            CheckIn(client_id=client.id, day=today - timedelta(days=offset), mood=3, **values)
        )
    db.session.commit()


def test_modules_page_lists_all_published_modules_with_progress(mother):
    test_client, _user, _practitioner = mother
    html = test_client.get("/guidance/").get_data(as_text=True)
    assert "All modules" in html
    for title in ("Oxytocin and recovery after an induction", "Sleep with a newborn"):
        assert title in html
    assert "0 of 5 lessons done" in html


def test_modules_page_is_for_clients_only(login_as, content):
    for role in ("practitioner", "admin"):
        test_client, _user = login_as(role)
        assert test_client.get("/guidance/").status_code == 403
        assert test_client.get(PACER_LESSON).status_code == 403


def test_assigned_module_comes_first_with_the_message(mother):
    test_client, user, practitioner = mother
    db.session.add(
        Assignment(
            client_id=user.id,
            module_id=module_by_slug("gut-health").id,
            assigned_by_id=practitioner.id,
            message="Start with the fibre lesson, see you Tuesday.",
        )
    )
    db.session.commit()
    html = test_client.get("/guidance/").get_data(as_text=True)
    for_you, _sep, rest = html.partition("More modules")
    assert "Gut health" in for_you and "Gut health" not in rest
    assert "Start with the fibre lesson, see you Tuesday." in for_you
    assert "From your practitioner" in for_you
    assert for_you.index("Gut health") < len(for_you)
    assert "Sleep with a newborn" in rest
    module_html = test_client.get("/guidance/modules/gut-health/").get_data(as_text=True)
    assert "Start with the fibre lesson, see you Tuesday." in module_html


def test_lesson_page_shows_previous_and_next(mother):
    test_client, _user, _practitioner = mother
    first = test_client.get("/guidance/modules/sleep/why-sleep-is-hard").get_data(as_text=True)
    assert "Lesson 1 of 5" in first
    assert 'rel="prev"' not in first
    assert 'href="/guidance/modules/sleep/sharing-the-nights" rel="next"' in first
    middle = test_client.get("/guidance/modules/sleep/resting-during-the-day").get_data(
        as_text=True
    )
    assert 'href="/guidance/modules/sleep/sharing-the-nights" rel="prev"' in middle
    assert 'href="/guidance/modules/sleep/a-calm-evening" rel="next"' in middle
    last = test_client.get("/guidance/modules/sleep/when-sleep-will-not-come").get_data(
        as_text=True
    )
    assert 'rel="next"' not in last and "Back to the module" in last


def test_lesson_links_point_to_portal_pages(mother):
    test_client, _user, _practitioner = mother
    html = test_client.get("/guidance/modules/stress-and-breathing/what-stress-does").get_data(
        as_text=True
    )
    assert 'href="/guidance/modules/stress-and-breathing/oxytocin-as-counterweight"' in html
    assert "lesson:" not in html


def test_mark_as_done_counts_once(mother):
    test_client, user, _practitioner = mother
    url = "/guidance/modules/sleep/why-sleep-is-hard/done"
    for _attempt in range(2):
        response = post_form(
            test_client, url, token_from="/guidance/modules/sleep/why-sleep-is-hard"
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/guidance/modules/sleep/why-sleep-is-hard"
    done = db.session.scalars(
        sa.select(LessonProgress).where(LessonProgress.client_id == user.id)
    ).all()
    assert len(done) == 1
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "guidance_lesson_done")
    ).all()
    assert len(events) == 1 and events[0].client_id == user.id
    html = test_client.get("/guidance/").get_data(as_text=True)
    assert "1 of 5 lessons done" in html
    lesson_html = test_client.get("/guidance/modules/sleep/why-sleep-is-hard").get_data(
        as_text=True
    )
    assert "You marked this lesson as done." in lesson_html


def test_finishing_every_lesson_completes_the_module(mother):
    test_client, _user, _practitioner = mother
    module = module_by_slug("gut-health")
    for lesson in module.lessons:
        post_form(
            test_client, f"/guidance/modules/gut-health/{lesson.slug}/done", token_from="/guidance/"
        )
    html = test_client.get("/guidance/").get_data(as_text=True)
    assert "4 of 4 lessons done" in html and "Completed" in html


def test_mark_done_needs_a_csrf_token(mother):
    test_client, user, _practitioner = mother
    response = test_client.post("/guidance/modules/sleep/why-sleep-is-hard/done")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(LessonProgress.id))) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/guidance/modules/no-such-module/",
        "/guidance/modules/sleep/no-such-lesson",
        "/guidance/modules/sleep/why-sleep-is-hard/../../admin",
    ],
)
def test_unknown_modules_and_lessons_are_404(mother, path):
    test_client, _user, _practitioner = mother
    assert test_client.get(path).status_code == 404


def test_a_nul_in_the_address_is_a_clear_400(mother):
    test_client, _user, _practitioner = mother
    assert test_client.get("/guidance/modules/%00/").status_code == 400


def test_unpublished_content_is_hidden(mother):
    test_client, user, _practitioner = mother
    sleep = module_by_slug("sleep")
    sleep.published = False
    bonding = module_by_slug("bonding")
    hidden_lesson = bonding.lessons[0]
    hidden_lesson.published = False
    db.session.commit()
    assert "Sleep with a newborn" not in test_client.get("/guidance/").get_data(as_text=True)
    assert test_client.get("/guidance/modules/sleep/").status_code == 404
    assert test_client.get("/guidance/modules/sleep/why-sleep-is-hard").status_code == 404
    assert test_client.get(f"/guidance/modules/bonding/{hidden_lesson.slug}").status_code == 404
    response = post_form(
        test_client, f"/guidance/modules/bonding/{hidden_lesson.slug}/done", token_from="/guidance/"
    )
    assert response.status_code == 404
    assert "0 of 4 lessons done" in test_client.get("/guidance/").get_data(as_text=True)


def test_the_pacer_is_server_rendered_with_translated_phase_words(mother):
    test_client, _user, _practitioner = mother
    response = test_client.get(PACER_LESSON)
    html = response.get_data(as_text=True)
    assert 'class="breathing-pacer"' in html
    assert 'data-inhale="4" data-hold="7" data-exhale="8" data-cycles="4"' in html
    assert 'data-text-inhale="Breathe in"' in html
    assert 'data-text-hold="Hold your breath"' in html
    assert 'data-text-round="Round {current} of {total}"' in html
    assert 'aria-live="polite"' in html
    # The text fallback: the counting steps, readable without JavaScript.
    assert "count to 7" in html
    pacer = r'<script src="/static/js/breathing-pacer\.[0-9a-f]{12}\.js" defer></script>'
    assert re.search(pacer, html)
    # The only inline script is the page's "scripted" marker, allowed by its hash in the CSP.
    assert re.findall(r"<script>(.*?)</script>", html) == [js_marker]
    assert " style=" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    # Other lessons do not load the script.
    other = test_client.get("/guidance/modules/sleep/why-sleep-is-hard").get_data(as_text=True)
    assert "breathing-pacer.js" not in other


def test_the_pacer_speaks_dutch_for_a_dutch_reader(login_as, content):
    test_client, _user = login_as("client")
    html = test_client.get(PACER_LESSON).get_data(as_text=True)
    assert "4-7-8-ademhaling" in html
    assert 'class="breathing-pacer"' in html


def test_client_reads_in_her_language_and_falls_back_to_dutch(mother):
    test_client, _user, _practitioner = mother
    module = module_by_slug("sleep")
    for text in list(module.lessons[0].texts):
        if text.locale == "en":
            db.session.delete(text)
    db.session.commit()
    html = test_client.get("/guidance/modules/sleep/why-sleep-is-hard").get_data(as_text=True)
    assert 'lang="nl"' in html


# ---------------------------------------------------------------- recommendations


def test_short_sleep_recommends_the_sleep_module(mother):
    test_client, user, _practitioner = mother
    add_checkins(user, 4, sleep_hours=4.75)
    with test_client.application.test_request_context():
        db.session.expire_all()
        items = recommendations_for(user)
    assert [item["slug"] for item in items] == ["sleep"]
    assert items[0]["reason_key"] == "short_sleep"
    assert items[0]["title"]
    assert items[0]["url"] == "/guidance/modules/sleep/"


def test_recommendation_reason_is_in_words(mother):
    test_client, user, _practitioner = mother
    add_checkins(user, 4, sleep_hours=4.75)
    with test_client.application.test_request_context():
        user.locale = "en"
        from flask_login import login_user

        login_user(user)
        items = recommendations_for(user)
    assert items[0]["reason"] == "You slept 4.8 hours a night on average this week."


def test_at_most_two_recommendations_and_none_without_data(mother):
    test_client, user, _practitioner = mother
    with test_client.application.test_request_context():
        assert recommendations_for(user) == []
    add_checkins(user, 5, sleep_hours=4, tension=5, bonding=1)
    with test_client.application.test_request_context():
        items = recommendations_for(user)
    assert len(items) == 2


def test_recommended_module_shows_on_the_modules_page_with_its_reason(mother):
    test_client, user, _practitioner = mother
    add_checkins(user, 4, tension=5)
    html = test_client.get("/guidance/").get_data(as_text=True)
    for_you, _sep, _rest = html.partition("More modules")
    assert "Stress and breathing" in for_you
    assert "You felt a lot of tension this week: 5 out of 5 on average." in for_you


def test_a_dismissed_recommendation_disappears(mother):
    test_client, user, _practitioner = mother
    add_checkins(user, 4, sleep_hours=4)
    partial = render_partial(test_client, user)
    assert "Sleep with a newborn" in partial and "Not now" in partial
    response = post_form(
        test_client,
        "/guidance/recommendations/sleep/dismiss",
        {"next": "/me/"},
        token_from="/guidance/",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/"
    assert db.session.scalar(
        sa.select(RecommendationDismissal).where(RecommendationDismissal.client_id == user.id)
    )
    with test_client.application.test_request_context():
        assert recommendations_for(user) == []
    # A second dismissal (double tap) is harmless.
    response = post_form(
        test_client, "/guidance/recommendations/sleep/dismiss", token_from="/guidance/"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/guidance/"


def test_dismiss_refuses_an_outside_redirect_and_unknown_modules(mother):
    test_client, _user, _practitioner = mother
    response = post_form(
        test_client,
        "/guidance/recommendations/sleep/dismiss",
        {"next": "https://evil.example/"},
        token_from="/guidance/",
    )
    assert response.headers["Location"] == "/guidance/"
    for slug in ("nonsense", "SLEEP"):
        response = post_form(
            test_client, f"/guidance/recommendations/{slug}/dismiss", token_from="/guidance/"
        )
        assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(RecommendationDismissal.id))) == 1


def test_a_completed_module_is_not_recommended(mother):
    test_client, user, _practitioner = mother
    add_checkins(user, 4, sleep_hours=4)
    for lesson in module_by_slug("sleep").lessons:
        db.session.add(LessonProgress(client_id=user.id, lesson_id=lesson.id))
    db.session.commit()
    with test_client.application.test_request_context():
        assert recommendations_for(user) == []


def test_old_checkins_do_not_count(mother):
    test_client, user, _practitioner = mother
    today = local_today(user.timezone)
    for offset in range(8, 14):
        db.session.add(
            CheckIn(client_id=user.id, day=today - timedelta(days=offset), mood=3, sleep_hours=3)
        )
    db.session.commit()
    with test_client.application.test_request_context():
        assert recommendations_for(user) == []


def render_partial(test_client, user) -> str:
    """Render the home-page partial as the lead's page will: include + recommendations_for."""
    from flask import render_template_string
    from flask_login import login_user

    with test_client.application.test_request_context("/me/"):
        login_user(user)
        return render_template_string(
            '{% include "guidance/_recommendations.html" %}',
            recommendations=recommendations_for(user),
        )


def test_recommendations_partial_renders_nothing_when_empty(mother):
    test_client, user, _practitioner = mother
    assert render_partial(test_client, user).strip() == ""


def count_queries(test_client, path: str) -> int:
    statements = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert test_client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)
    return len(statements)


def test_pages_run_the_same_number_of_queries_however_much_data(mother):
    test_client, user, practitioner = mother
    paths = ["/guidance/", "/guidance/modules/sleep/", PACER_LESSON]
    before = [count_queries(test_client, path) for path in paths]
    for module in db.session.scalars(sa.select(Module)):
        db.session.add(Assignment(client_id=user.id, module_id=module.id, message="Read me"))
        for lesson in module.lessons:
            db.session.add(LessonProgress(client_id=user.id, lesson_id=lesson.id))
    add_checkins(user, 7, sleep_hours=4, tension=5, bonding=1)
    after = [count_queries(test_client, path) for path in paths]
    assert after == before
