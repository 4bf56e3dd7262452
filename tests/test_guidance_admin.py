"""The admin edits guidance content: texts with preview and history, own modules, order."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.guidance.forms import MAX_BODY
from portal.guidance.loader import load_content
from portal.models import AuditEvent, ContentRevision, Lesson, LessonText, Module, ModuleText
from tests.conftest import post_form


@pytest.fixture
def content(app):
    load_content()
    db.session.commit()


@pytest.fixture
def admin(login_as, content):
    test_client, user = login_as("admin", name="Anna Admin")
    user.locale = "en"
    db.session.commit()
    return test_client, user


def module_by_slug(slug: str) -> Module:
    return db.session.scalar(sa.select(Module).where(Module.slug == slug))


def lesson_by_slugs(module_slug: str, lesson_slug: str) -> Lesson:
    return db.session.scalar(
        sa.select(Lesson).join(Module).where(Module.slug == module_slug, Lesson.slug == lesson_slug)
    )


def text_of(lesson: Lesson, locale: str) -> LessonText:
    return db.session.scalar(
        sa.select(LessonText).where(LessonText.lesson_id == lesson.id, LessonText.locale == locale)
    )


def lesson_form(title="A calm evening", body="Some **text**.", minutes="3", **extra) -> dict:
    return {"title": title, "summary": "Short.", "minutes": minutes, "body": body, **extra}


def snapshot() -> dict:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Module, ModuleText, Lesson, LessonText, ContentRevision)
    }


# ---------------------------------------------------------------- who may enter


ADMIN_PAGES = [
    "/guidance/admin/",
    "/guidance/admin/modules/new",
    "/guidance/admin/modules/1",
    "/guidance/admin/modules/1/texts/nl",
    "/guidance/admin/modules/1/lessons/new",
    "/guidance/admin/lessons/1/texts/en",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["client", "practitioner"])
def test_admin_pages_refuse_other_roles(login_as, content, path, role):
    test_client, _user = login_as(role)
    assert test_client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/guidance/admin/modules/1/move",
        "/guidance/admin/modules/1/publish",
        "/guidance/admin/lessons/1/move",
        "/guidance/admin/lessons/1/publish",
        "/guidance/admin/lessons/1/texts/nl",
    ],
)
def test_admin_changes_refuse_a_client(login_as, content, path):
    test_client, _user = login_as("client")
    before = snapshot()
    response = post_form(
        test_client,
        path,
        {"direction": "up", "published": "0", **lesson_form()},
        token_from="/guidance/",
    )
    assert response.status_code == 403
    assert snapshot() == before
    assert all(module.published for module in db.session.scalars(sa.select(Module)))


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_open_for_an_admin(admin, path):
    test_client, _user = admin
    assert test_client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/guidance/admin/modules/99999",
        "/guidance/admin/modules/abc",
        "/guidance/admin/modules/1/texts/de",
        "/guidance/admin/modules/1/texts/..",
        "/guidance/admin/modules/99999/texts/nl",
        "/guidance/admin/lessons/99999/texts/nl",
        "/guidance/admin/lessons/1/texts/xx",
        "/guidance/admin/modules/99999/lessons/new",
    ],
)
def test_garbage_ids_are_404(admin, path):
    test_client, _user = admin
    assert test_client.get(path).status_code == 404


def test_admin_list_shows_modules_and_actions(admin):
    test_client, _user = admin
    html = test_client.get("/guidance/admin/").get_data(as_text=True)
    assert "Oxytocin and recovery after an induction" in html
    assert "Add a module" in html and "Unpublish" in html and "Down" in html


# ---------------------------------------------------------------- editing lesson texts


def test_editing_a_lesson_keeps_the_old_version(admin):
    test_client, user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    old = text_of(lesson, "en")
    old_title, old_body = old.title, old.body
    url = f"/guidance/admin/lessons/{lesson.id}/texts/en"
    response = post_form(
        test_client,
        url,
        lesson_form(title="Evenings", body="New body.", save="1"),
        token_from=url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    text = text_of(lesson, "en")
    assert (text.title, text.body, text.customised) == ("Evenings", "New body.", True)
    assert text.updated_by_id == user.id
    [revision] = db.session.scalars(
        sa.select(ContentRevision).where(ContentRevision.lesson_text_id == text.id)
    ).all()
    assert (revision.title, revision.body, revision.edited_by_id) == (old_title, old_body, user.id)
    assert revision.edited_at is not None
    assert text_of(lesson, "nl").customised is False
    html = test_client.get(url).get_data(as_text=True)
    assert "Earlier versions" in html and "changed by Anna Admin" in html and old_title in html
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "guidance_lesson_text_edited")
    )
    # The reload keeps the practice's text.
    load_content()
    db.session.commit()
    db.session.expire_all()
    assert text_of(lesson, "en").body == "New body."


def test_saving_unchanged_text_adds_no_revision(admin):
    test_client, _user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    text = text_of(lesson, "en")
    url = f"/guidance/admin/lessons/{lesson.id}/texts/en"
    data = lesson_form(title=text.title, body=text.body, minutes=str(text.minutes), save="1")
    data["summary"] = text.summary
    response = post_form(test_client, url, data, token_from=url)
    assert response.status_code == 302
    assert snapshot()["ContentRevision"] == 0
    db.session.expire_all()
    assert text_of(lesson, "en").customised is False


def test_crlf_from_the_browser_is_stored_as_newlines(admin):
    test_client, _user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    url = f"/guidance/admin/lessons/{lesson.id}/texts/en"
    post_form(test_client, url, lesson_form(body="One.\r\n\r\nTwo.", save="1"), token_from=url)
    db.session.expire_all()
    assert text_of(lesson, "en").body == "One.\n\nTwo."


def test_preview_renders_sanitised_html_and_saves_nothing(admin):
    test_client, _user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    url = f"/guidance/admin/lessons/{lesson.id}/texts/en"
    before_body = text_of(lesson, "en").body
    body = (
        "## Fresh\n\n<script>alert(1)</script>\n\n[calm](lesson:sleep/why-sleep-is-hard) "
        "[gone](lesson:sleep/nope)\n\n[[breathing-pacer]]"
    )
    response = post_form(test_client, url, lesson_form(body=body, preview="1"), token_from=url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    preview = html.split('id="preview-title"', 1)[1]
    assert "<h2>Fresh</h2>" in preview
    assert "<script>alert" not in html
    assert 'href="/guidance/modules/sleep/why-sleep-is-hard"' in preview
    assert "lesson:sleep/nope" in preview  # listed as a link that leads nowhere
    assert 'class="breathing-pacer"' in preview
    db.session.expire_all()
    assert text_of(lesson, "en").body == before_body
    assert snapshot()["ContentRevision"] == 0


@pytest.mark.parametrize(
    "data, message",
    [
        (lesson_form(title=""), "Give it a title."),
        (lesson_form(title="   "), "Give it a title."),
        (lesson_form(title="x" * 201), "200"),
        (lesson_form(body="x" * (MAX_BODY + 1)), str(MAX_BODY)),
        (lesson_form(body=""), "Write the lesson text."),
        (lesson_form(minutes="abc"), "Not a valid integer value"),
        (lesson_form(minutes="0"), "between 1 and 60"),
        (lesson_form(minutes="999"), "between 1 and 60"),
    ],
)
def test_bad_lesson_input_is_refused_and_nothing_changes(admin, data, message):
    test_client, _user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    url = f"/guidance/admin/lessons/{lesson.id}/texts/en"
    before_text = text_of(lesson, "en").body
    before = snapshot()
    for button in ("save", "preview"):
        response = post_form(test_client, url, {**data, button: "1"}, token_from=url)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True).replace(",", "")
    db.session.expire_all()
    assert text_of(lesson, "en").body == before_text
    assert snapshot() == before


def test_a_nul_character_is_refused_before_the_form_and_nothing_changes(admin):
    test_client, _user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    url = f"/guidance/admin/lessons/{lesson.id}/texts/en"
    before = snapshot()
    for data in (lesson_form(title="a\x00b"), lesson_form(body="a\x00b")):
        response = post_form(test_client, url, {**data, "save": "1"}, token_from=url)
        assert response.status_code == 400  # portal/input_guard.py, before any view
    db.session.expire_all()
    assert snapshot() == before


def test_a_body_of_the_full_length_is_accepted(admin):
    test_client, _user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    url = f"/guidance/admin/lessons/{lesson.id}/texts/en"
    response = post_form(test_client, url, lesson_form(body="x" * MAX_BODY), token_from=url)
    assert response.status_code == 302


def test_a_hostile_lesson_reaches_the_client_harmless(admin, login_as):
    test_client, _user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    url = f"/guidance/admin/lessons/{lesson.id}/texts/nl"
    body = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[x](javascript:alert(1))\n\n<iframe src=https://evil.example></iframe>\n\nSafe words."
    )
    post_form(test_client, url, lesson_form(body=body, save="1"), token_from=url)
    mother_client, _mother = login_as("client")
    html = mother_client.get("/guidance/modules/sleep/a-calm-evening").get_data(as_text=True)
    lesson_html = html.split('class="lesson-body"', 1)[1].split("</article>", 1)[0]
    assert "Safe words." in lesson_html
    for forbidden in ("<script", "<img", "onerror", "<iframe", 'href="javascript'):
        assert forbidden not in lesson_html


def test_writing_a_missing_language_creates_the_text(admin):
    test_client, _user = admin
    module = module_by_slug("sleep")
    lesson = module.lessons[0]
    db.session.delete(text_of(lesson, "en"))
    db.session.commit()
    url = f"/guidance/admin/lessons/{lesson.id}/texts/en"
    assert "no text in this language yet" in test_client.get(url).get_data(as_text=True)
    response = post_form(test_client, url, lesson_form(title="Why", save="1"), token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert text_of(lesson, "en").title == "Why"


# ---------------------------------------------------------------- module texts


def test_editing_a_module_text(admin):
    test_client, _user = admin
    module = module_by_slug("nutrition")
    url = f"/guidance/admin/modules/{module.id}/texts/nl"
    response = post_form(
        test_client,
        url,
        {"title": "Eten", "summary": "Kort.", "body": "Welkom.", "save": "1"},
        token_from=url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    text = db.session.scalar(
        sa.select(ModuleText).where(ModuleText.module_id == module.id, ModuleText.locale == "nl")
    )
    assert (text.title, text.intro, text.customised) == ("Eten", "Welkom.", True)


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "summary": "", "body": ""},
        {"title": "ok", "summary": "x" * 501, "body": ""},
        {"title": "ok", "summary": "", "body": "x" * 50_001},
    ],
)
def test_bad_module_text_is_refused(admin, data):
    test_client, _user = admin
    module = module_by_slug("nutrition")
    url = f"/guidance/admin/modules/{module.id}/texts/nl"
    before = snapshot()
    response = post_form(test_client, url, {**data, "save": "1"}, token_from=url)
    assert response.status_code == 422
    db.session.expire_all()
    assert module_by_slug("nutrition").texts[0].customised is False
    assert snapshot() == before


# ---------------------------------------------------------------- own modules and lessons


def test_adding_a_module_and_a_lesson(admin, login_as):
    test_client, _user = admin
    response = post_form(
        test_client,
        "/guidance/admin/modules/new",
        {
            "locale": "nl",
            "title": "Bewegen na de bevalling",
            "summary": "Rustig.",
            "body": "",
            "save": "1",
        },
        token_from="/guidance/admin/modules/new",
    )
    assert response.status_code == 302
    module = module_by_slug("bewegen-na-de-bevalling")
    assert (module.builtin, module.published, module.position) == (False, False, 8)
    url = f"/guidance/admin/modules/{module.id}/lessons/new"
    response = post_form(
        test_client,
        url,
        {"locale": "nl", **lesson_form(title="Wandelen", body="Loop een rondje."), "save": "1"},
        token_from=url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    [lesson] = module_by_slug("bewegen-na-de-bevalling").lessons
    assert (lesson.slug, lesson.published, lesson.position) == ("wandelen", False, 1)

    mother_client, _mother = login_as("client")
    assert mother_client.get("/guidance/modules/bewegen-na-de-bevalling/").status_code == 404
    for path in (
        f"/guidance/admin/modules/{module.id}/publish",
        f"/guidance/admin/lessons/{lesson.id}/publish",
    ):
        post_form(test_client, path, {"published": "1"}, token_from="/guidance/admin/")
    assert mother_client.get("/guidance/modules/bewegen-na-de-bevalling/").status_code == 200
    page = mother_client.get("/guidance/modules/bewegen-na-de-bevalling/wandelen")
    assert "Loop een rondje." in page.get_data(as_text=True)
    # The loader leaves the practice's own module alone.
    load_content()
    db.session.commit()
    db.session.expire_all()
    assert module_by_slug("bewegen-na-de-bevalling").builtin is False


def test_a_second_module_with_the_same_title_gets_its_own_slug(admin):
    test_client, _user = admin
    for _attempt in range(2):
        post_form(
            test_client,
            "/guidance/admin/modules/new",
            {"locale": "en", "title": "Sleep", "summary": "", "body": "", "save": "1"},
            token_from="/guidance/admin/modules/new",
        )
    slugs = set(db.session.scalars(sa.select(Module.slug)))
    assert {"sleep", "sleep-2", "sleep-3"} <= slugs


def test_bad_new_module_is_refused(admin):
    test_client, _user = admin
    before = snapshot()
    for data in (
        {"locale": "nl", "title": "", "save": "1"},
        {"locale": "fr", "title": "Hallo", "save": "1"},
    ):
        response = post_form(
            test_client, "/guidance/admin/modules/new", data, token_from="/guidance/admin/"
        )
        assert response.status_code == 422
    assert snapshot() == before


# ---------------------------------------------------------------- order and publishing


def test_moving_modules_up_and_down(admin):
    test_client, _user = admin
    sleep = module_by_slug("sleep")
    response = post_form(
        test_client,
        f"/guidance/admin/modules/{sleep.id}/move",
        {"direction": "up"},
        token_from="/guidance/admin/",
    )
    assert response.status_code == 302
    order = db.session.scalars(sa.select(Module.slug).order_by(Module.position)).all()
    assert order.index("sleep") == 4 and order.index("bonding") == 5
    first = module_by_slug("oxytocin-and-recovery")
    post_form(
        test_client,
        f"/guidance/admin/modules/{first.id}/move",
        {"direction": "up"},
        token_from="/guidance/admin/",
    )
    order_after = db.session.scalars(sa.select(Module.slug).order_by(Module.position)).all()
    assert order_after == order


def test_moving_a_lesson_changes_what_the_client_reads_next(admin, login_as):
    test_client, _user = admin
    lesson = lesson_by_slugs("sleep", "a-calm-evening")
    post_form(
        test_client,
        f"/guidance/admin/lessons/{lesson.id}/move",
        {"direction": "down"},
        token_from="/guidance/admin/",
    )
    db.session.expire_all()
    slugs = [item.slug for item in module_by_slug("sleep").lessons]
    assert slugs[3:] == ["when-sleep-will-not-come", "a-calm-evening"]


@pytest.mark.parametrize("direction", ["sideways", ""])
def test_a_bad_direction_is_refused(admin, direction):
    test_client, _user = admin
    sleep = module_by_slug("sleep")
    response = post_form(
        test_client,
        f"/guidance/admin/modules/{sleep.id}/move",
        {"direction": direction},
        token_from="/guidance/admin/",
    )
    assert response.status_code == 400
    assert module_by_slug("sleep").position == 6


def test_unpublishing_hides_a_module_from_clients(admin, login_as):
    test_client, _user = admin
    sleep = module_by_slug("sleep")
    response = post_form(
        test_client,
        f"/guidance/admin/modules/{sleep.id}/publish",
        {"published": "0"},
        token_from="/guidance/admin/",
    )
    assert response.status_code == 302
    assert module_by_slug("sleep").published is False
    mother_client, _mother = login_as("client")
    assert mother_client.get("/guidance/modules/sleep/").status_code == 404
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "guidance_module_unpublished")
    )


@pytest.mark.parametrize(
    "path", ["/guidance/admin/modules/99999/move", "/guidance/admin/lessons/99999/publish"]
)
def test_actions_on_unknown_ids_are_404(admin, path):
    test_client, _user = admin
    response = post_form(
        test_client, path, {"direction": "up", "published": "1"}, token_from="/guidance/admin/"
    )
    assert response.status_code == 404


def test_an_own_module_never_takes_a_builtin_slug(login_as, app):
    test_client, _user = login_as("admin")
    post_form(
        test_client,
        "/guidance/admin/modules/new",
        {"locale": "en", "title": "Sleep", "summary": "", "body": "", "save": "1"},
        token_from="/guidance/admin/modules/new",
    )
    own = db.session.scalar(sa.select(Module))
    assert own.slug == "sleep-2"
    load_content()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Module, own.id).builtin is False
    assert module_by_slug("sleep").builtin is True


def test_one_lesson_reads_in_the_singular(admin, login_as):
    test_client, _user = admin
    post_form(
        test_client,
        "/guidance/admin/modules/new",
        {"locale": "en", "title": "Walking", "summary": "", "body": "", "save": "1"},
        token_from="/guidance/admin/modules/new",
    )
    module = module_by_slug("walking")
    url = f"/guidance/admin/modules/{module.id}/lessons/new"
    post_form(test_client, url, {"locale": "en", **lesson_form(), "save": "1"}, token_from=url)
    module.published = True
    module.lessons[0].published = True
    db.session.commit()
    mother_client, mother = login_as("client")
    mother.locale = "en"
    db.session.commit()
    assert "0 of 1 lesson done" in mother_client.get("/guidance/").get_data(as_text=True)
