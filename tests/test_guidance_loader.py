"""Loading the built-in guidance content: idempotent, respects the practice's edits, complete."""

import shutil

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.guidance.loader import CONTENT_DIR, ContentError, load_content, parse_language
from portal.guidance.rendering import PACER_MARKER, internal_links
from portal.models import ContentRevision, Lesson, LessonText, Module, ModuleText

MODELS = (Module, ModuleText, Lesson, LessonText, ContentRevision)
LANGUAGES = ("nl", "en")


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in MODELS
    }


def snapshot() -> list[tuple]:
    """Every loaded value, so a reload can be shown to change nothing at all."""
    rows = db.session.execute(
        sa.select(
            Module.slug,
            Module.position,
            Module.published,
            Module.builtin,
            Lesson.slug,
            Lesson.position,
            LessonText.locale,
            LessonText.title,
            LessonText.summary,
            LessonText.body,
            LessonText.minutes,
            LessonText.updated_at,
            LessonText.customised,
        )
        .join(Lesson, Lesson.module_id == Module.id)
        .join(LessonText, LessonText.lesson_id == Lesson.id)
        .order_by(Module.slug, Lesson.slug, LessonText.locale)
    ).all()
    return [tuple(row) for row in rows]


def lesson_text(module_slug: str, lesson_slug: str, locale: str) -> LessonText:
    return db.session.scalar(
        sa.select(LessonText)
        .join(Lesson, Lesson.id == LessonText.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(Module.slug == module_slug, Lesson.slug == lesson_slug, LessonText.locale == locale)
    )


def test_first_load_creates_the_seven_builtin_modules_in_both_languages(app):
    report = load_content()
    db.session.commit()
    modules = db.session.scalars(sa.select(Module).order_by(Module.position)).all()
    assert [module.slug for module in modules] == [
        "oxytocin-and-recovery",
        "stress-and-breathing",
        "nutrition",
        "gut-health",
        "bonding",
        "sleep",
        "when-to-ask-for-help",
    ]
    assert all(module.builtin and module.published for module in modules)
    assert all({text.locale for text in module.texts} == set(LANGUAGES) for module in modules)
    for module in modules:
        assert 3 <= len(module.lessons) <= 6
        for lesson in module.lessons:
            assert {text.locale for text in lesson.texts} == set(LANGUAGES)
    assert report.created["modules"] == 7
    assert counts()["LessonText"] == 2 * counts()["Lesson"]


def test_loading_twice_changes_nothing(app):
    load_content()
    db.session.commit()
    before_counts, before_rows = counts(), snapshot()
    report = load_content()
    db.session.commit()
    assert not report.changed
    assert report.lines() == ["Everything was up to date; nothing changed."]
    assert counts() == before_counts
    assert snapshot() == before_rows


def test_a_customised_text_survives_a_reload_and_force_overwrites_it(app):
    load_content()
    db.session.commit()
    text = lesson_text("sleep", "a-calm-evening", "nl")
    original_body = text.body
    text.body = "Onze eigen tekst."
    text.customised = True
    module_text = db.session.scalar(
        sa.select(ModuleText).join(Module).where(Module.slug == "sleep", ModuleText.locale == "en")
    )
    module_text.title = "Our sleep module"
    module_text.customised = True
    db.session.commit()

    report = load_content()
    db.session.commit()
    assert report.kept_customised == 2
    assert not report.changed
    assert lesson_text("sleep", "a-calm-evening", "nl").body == "Onze eigen tekst."
    assert module_text.title == "Our sleep module"

    report = load_content(force=True)
    db.session.commit()
    db.session.expire_all()
    restored = lesson_text("sleep", "a-calm-evening", "nl")
    assert restored.body == original_body
    assert restored.customised is False
    assert db.session.get(ModuleText, module_text.id).title == "Sleep with a newborn"
    # The practice's version is kept in the history rather than lost.
    revision = db.session.scalar(
        sa.select(ContentRevision).where(ContentRevision.lesson_text_id == restored.id)
    )
    assert revision.body == "Onze eigen tekst."


def test_reload_leaves_the_practices_order_and_publishing_alone(app):
    load_content()
    db.session.commit()
    sleep = db.session.scalar(sa.select(Module).where(Module.slug == "sleep"))
    sleep.position, sleep.published = 0, False
    db.session.commit()
    load_content()
    db.session.commit()
    assert (sleep.position, sleep.published) == (0, False)
    load_content(force=True)
    db.session.commit()
    assert (sleep.position, sleep.published) == (6, False)


def test_both_languages_have_the_same_tree():
    trees = {}
    for lang in LANGUAGES:
        trees[lang] = {
            slug: (
                module.order,
                {(lesson.slug, lesson.order) for lesson in module.lessons.values()},
            )
            for slug, module in parse_language(CONTENT_DIR, lang).items()
        }
    assert trees["nl"] == trees["en"]
    assert len(trees["nl"]) == 7


def test_lesson_files_are_numbered_by_their_order():
    for lang in LANGUAGES:
        for module_dir in (CONTENT_DIR / lang).iterdir():
            module = parse_language(CONTENT_DIR, lang)[module_dir.name]
            for path in module_dir.glob("[0-9]*.md"):
                number, _sep, slug = path.stem.partition("-")
                assert module.lessons[slug].order == int(number), path


def test_lessons_are_short_and_end_modules_with_who_to_contact():
    for lang in LANGUAGES:
        for module in parse_language(CONTENT_DIR, lang).values():
            for lesson in module.lessons.values():
                text = lesson.texts[lang]
                assert 1 <= text.minutes <= 5, (module.slug, lesson.slug)
                assert text.title and text.summary
            last = max(module.lessons.values(), key=lambda item: item.order).texts[lang].body
            words = ("huisarts", "verloskundige") if lang == "nl" else ("GP", "midwife")
            assert all(word in last for word in words), (lang, module.slug)


def test_every_internal_link_in_the_content_resolves():
    for lang in LANGUAGES:
        tree = parse_language(CONTENT_DIR, lang)
        lessons = {(m.slug, slug) for m in tree.values() for slug in m.lessons}
        checked = 0
        for module in tree.values():
            sources = [module.texts[lang].body] + [
                lesson.texts[lang].body for lesson in module.lessons.values()
            ]
            for body in sources:
                for link in internal_links(body):
                    checked += 1
                    if link.kind == "module":
                        assert link.target in tree, (lang, link)
                    else:
                        assert tuple(link.target.split("/", 1)) in lessons, (lang, link)
        assert checked > 10


def test_the_pacer_marker_is_in_the_four_seven_eight_lesson_of_both_languages():
    for lang in LANGUAGES:
        tree = parse_language(CONTENT_DIR, lang)
        holders = [
            (module.slug, lesson.slug)
            for module in tree.values()
            for lesson in module.lessons.values()
            if PACER_MARKER in lesson.texts[lang].body
        ]
        assert holders == [("stress-and-breathing", "four-seven-eight-breathing")]


def test_a_file_in_the_wrong_folder_is_refused(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "en" / "sleep", root / "nl" / "sleep")
    with pytest.raises(ContentError, match="lang 'en'"):
        parse_language(root, "nl")


def test_cli_load_reports_and_is_idempotent(app, runner):
    result = runner.invoke(args=["guidance", "load"])
    assert result.exit_code == 0, result.output
    assert "modules: 7 created" in result.output
    result = runner.invoke(args=["guidance", "load"])
    assert result.exit_code == 0
    assert "nothing changed" in result.output
    result = runner.invoke(args=["guidance", "load", "--force"])
    assert result.exit_code == 0
    assert "nothing changed" in result.output
