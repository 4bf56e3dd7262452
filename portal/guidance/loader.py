"""Load the built-in modules and lessons from Markdown files into the database.

The tree is ``content/<lang>/<module-slug>/_module.md`` (the module's title,
summary and introduction) plus ``NN-<lesson>.md`` per lesson, each with YAML
front matter. Loading is an idempotent upsert: a second run changes nothing.
Texts a practice edited (``customised``) are left alone unless ``force``;
positions and the published switch belong to the practice once a row exists,
and ``force`` restores the shipped order too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import ContentRevision, Lesson, LessonText, Module, ModuleText
from portal.models.base import utcnow

CONTENT_DIR = Path(__file__).resolve().parent / "content"
MODULE_FILE = "_module.md"
MODULE_KEYS = ("module", "order", "title", "summary", "lang")
LESSON_KEYS = (*MODULE_KEYS, "lesson", "minutes")


class ContentError(ValueError):
    """A content file is missing front matter or contradicts its place in the tree."""


@dataclass(frozen=True)
class TextSource:
    """One language's text of a module (body = introduction) or a lesson."""

    title: str
    summary: str
    body: str
    minutes: int | None = None


@dataclass
class LessonSource:
    slug: str
    order: int
    texts: dict[str, TextSource] = field(default_factory=dict)


@dataclass
class ModuleSource:
    slug: str
    order: int
    texts: dict[str, TextSource] = field(default_factory=dict)
    lessons: dict[str, LessonSource] = field(default_factory=dict)


@dataclass
class LoadReport:
    """What a load did, counted per kind of row."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    kept_customised: int = 0

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        """Describe the load in a few lines for the command line."""
        lines = []
        for kind in ("modules", "module texts", "lessons", "lesson texts", "positions"):
            created, updated = self.created.get(kind, 0), self.updated.get(kind, 0)
            if created or updated:
                lines.append(f"{kind}: {created} created, {updated} updated")
        if self.kept_customised:
            lines.append(
                f"{self.kept_customised} text(s) edited by the practice were kept "
                "(use --force to overwrite them)"
            )
        return lines or ["Everything was up to date; nothing changed."]


def _read(path: Path, keys: tuple[str, ...], lang: str, module_slug: str) -> frontmatter.Post:
    post = frontmatter.load(path)
    missing = [key for key in keys if post.get(key) in (None, "")]
    if missing:
        raise ContentError(f"{path}: front matter lacks {', '.join(missing)}")
    if post["lang"] != lang:
        raise ContentError(f"{path}: lang {post['lang']!r} but the file is under {lang}/")
    if post["module"] != module_slug:
        raise ContentError(f"{path}: module {post['module']!r} but the folder is {module_slug}/")
    return post


def _text(post: frontmatter.Post, minutes: bool) -> TextSource:
    return TextSource(
        title=str(post["title"]).strip(),
        summary=str(post["summary"]).strip(),
        body=post.content.strip() + "\n",
        minutes=int(post["minutes"]) if minutes else None,
    )


def parse_language(root: Path, lang: str) -> dict[str, ModuleSource]:
    """Read one language's tree into module sources keyed by slug."""
    modules: dict[str, ModuleSource] = {}
    for module_dir in sorted(p for p in (root / lang).iterdir() if p.is_dir()):
        slug = module_dir.name
        module_file = module_dir / MODULE_FILE
        if not module_file.exists():
            raise ContentError(f"{module_dir}: no {MODULE_FILE}")
        post = _read(module_file, MODULE_KEYS, lang, slug)
        module = ModuleSource(slug, int(post["order"]), {lang: _text(post, minutes=False)})
        for path in sorted(module_dir.glob("*.md")):
            if path.name == MODULE_FILE:
                continue
            post = _read(path, LESSON_KEYS, lang, slug)
            lesson_slug = str(post["lesson"])
            if lesson_slug in module.lessons:
                raise ContentError(f"{path}: lesson {lesson_slug!r} appears twice")
            module.lessons[lesson_slug] = LessonSource(
                lesson_slug, int(post["order"]), {lang: _text(post, minutes=True)}
            )
        modules[slug] = module
    return modules


def parse_tree(root: Path = CONTENT_DIR) -> dict[str, ModuleSource]:
    """Read every language and merge them into one tree keyed by module slug."""
    merged: dict[str, ModuleSource] = {}
    for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for slug, module in parse_language(root, lang_dir.name).items():
            target = merged.setdefault(slug, ModuleSource(slug, module.order))
            target.texts.update(module.texts)
            for lesson_slug, lesson in module.lessons.items():
                merged_lesson = target.lessons.setdefault(
                    lesson_slug, LessonSource(lesson_slug, lesson.order)
                )
                merged_lesson.texts.update(lesson.texts)
    return merged


def _apply(row, values: dict) -> bool:
    """Set the attributes that differ; tell whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _upsert_module_text(module: Module, lang: str, text: TextSource, force: bool, report) -> None:
    values = {"title": text.title, "summary": text.summary, "intro": text.body}
    row = next((t for t in module.texts if t.locale == lang), None)
    if row is None:
        module.texts.append(ModuleText(locale=lang, customised=False, **values))
        report.count(report.created, "module texts")
    elif row.customised and not force:
        report.kept_customised += 1
    elif _apply(row, {**values, "customised": False}):
        report.count(report.updated, "module texts")


def _upsert_lesson_text(lesson: Lesson, lang: str, text: TextSource, force: bool, report) -> None:
    values = {
        "title": text.title,
        "summary": text.summary,
        "body": text.body,
        "minutes": text.minutes,
    }
    row = next((t for t in lesson.texts if t.locale == lang), None)
    if row is None:
        lesson.texts.append(LessonText(locale=lang, customised=False, **values))
        report.count(report.created, "lesson texts")
        return
    if row.customised and not force:
        report.kept_customised += 1
        return
    if row.customised and (row.title, row.body) != (text.title, text.body):
        # --force must not lose the practice's version for good: keep it in the history.
        db.session.add(ContentRevision(lesson_text_id=row.id, title=row.title, body=row.body))
    if _apply(row, {**values, "customised": False}):
        row.updated_at = utcnow()
        row.updated_by_id = None
        report.count(report.updated, "lesson texts")


def load_content(force: bool = False, root: Path = CONTENT_DIR) -> LoadReport:
    """Upsert the built-in modules, lessons and texts; flush, leaving the commit to the caller."""
    tree = parse_tree(root)
    report = LoadReport()
    existing = {
        module.slug: module
        for module in db.session.scalars(
            sa.select(Module)
            .where(Module.slug.in_(tree))
            .options(
                selectinload(Module.texts),
                selectinload(Module.lessons).selectinload(Lesson.texts),
            )
        )
    }
    for source in sorted(tree.values(), key=lambda m: m.order):
        module = existing.get(source.slug)
        if module is None:
            module = Module(slug=source.slug, position=source.order, published=True, builtin=True)
            db.session.add(module)
            report.count(report.created, "modules")
        else:
            if not module.builtin:
                module.builtin = True
                report.count(report.updated, "modules")
            if force and module.position != source.order:
                module.position = source.order
                report.count(report.updated, "positions")
        for lang, text in sorted(source.texts.items()):
            _upsert_module_text(module, lang, text, force, report)
        lessons = {lesson.slug: lesson for lesson in module.lessons}
        for lesson_source in sorted(source.lessons.values(), key=lambda item: item.order):
            lesson = lessons.get(lesson_source.slug)
            if lesson is None:
                lesson = Lesson(slug=lesson_source.slug, position=lesson_source.order)
                module.lessons.append(lesson)
                report.count(report.created, "lessons")
            elif force and lesson.position != lesson_source.order:
                lesson.position = lesson_source.order
                report.count(report.updated, "positions")
            for lang, text in sorted(lesson_source.texts.items()):
                _upsert_lesson_text(lesson, lang, text, force, report)
    db.session.flush()
    return report
