"""The work behind the guidance pages: modules, progress, assignments, recommendations, authoring.

Services flush; the view commits. Every page runs a fixed number of queries,
whatever the number of modules, lessons or clients.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from portal.dates import local_today
from portal.extensions import db
from portal.flags import DayLog
from portal.guidance import recommendations as rules
from portal.guidance.loader import CONTENT_DIR
from portal.guidance.rendering import (
    InternalLink,
    LinkResolver,
    render_markdown,
    render_with_links,
)
from portal.models import (
    Assignment,
    CheckIn,
    ContentRevision,
    Lesson,
    LessonProgress,
    LessonText,
    Module,
    ModuleText,
    RecommendationDismissal,
    User,
)
from portal.models.base import utcnow

MAX_RECOMMENDATIONS = 2
# Module and lesson slugs as the loader and slugify() make them; anything else is not a page.
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
# The 4-7-8 pattern of DOMAIN.md: seconds per phase and rounds.
PACER = {"inhale": 4, "hold": 7, "exhale": 8, "cycles": 4}


# ---------------------------------------------------------------- texts and languages


def current_locale() -> str:
    """Return the language of this request."""
    return str(get_locale())


def pick_text(texts: Iterable, locale: str | None = None):
    """Choose the text in the reader's language, else the default language, else any."""
    by_locale = {text.locale: text for text in texts}
    locale = locale or current_locale()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if locale in by_locale:
        return by_locale[locale]
    if default in by_locale:
        return by_locale[default]
    return by_locale[min(by_locale)] if by_locale else None


def supported_locale(locale: str) -> bool:
    """Tell whether content may be written in this language."""
    return locale in current_app.config["LANGUAGES"]


# ---------------------------------------------------------------- reading modules


def _modules_query(published_only: bool) -> sa.Select:
    query = (
        sa.select(Module)
        .order_by(Module.position, Module.id)
        .options(selectinload(Module.texts), selectinload(Module.lessons))
    )
    return query.where(Module.published.is_(True)) if published_only else query


def published_modules() -> list[Module]:
    """Return the modules clients may see, in the practice's order."""
    return list(db.session.scalars(_modules_query(published_only=True)))


def is_slug(value: str) -> bool:
    """Tell whether a URL segment could be a module or lesson slug."""
    return SLUG_RE.fullmatch(value) is not None


def published_module(slug: str) -> Module | None:
    """Return a published module by slug, with its texts and lessons."""
    if not is_slug(slug):
        return None
    return db.session.scalar(
        _modules_query(published_only=True)
        .where(Module.slug == slug)
        .options(selectinload(Module.lessons).selectinload(Lesson.texts))
    )


def published_lessons(module: Module) -> list[Lesson]:
    """Return the module's published lessons in order."""
    return [lesson for lesson in module.lessons if lesson.published]


def _done_lesson_ids(client: User) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(LessonProgress.lesson_id).where(LessonProgress.client_id == client.id)
        )
    )


def _progress(module: Module, done_ids: set[int]) -> tuple[int, int]:
    lessons = published_lessons(module)
    return sum(1 for lesson in lessons if lesson.id in done_ids), len(lessons)


def _card(module: Module, done_ids: set[int], locale: str) -> dict:
    text = pick_text(module.texts, locale)
    done, total = _progress(module, done_ids)
    return {
        "module": module,
        "slug": module.slug,
        "title": text.title if text else module.slug,
        "summary": text.summary if text else "",
        "url": url_for("guidance.module", slug=module.slug),
        "done": done,
        "total": total,
        "completed": total > 0 and done == total,
        "started": done > 0,
        "assignment": None,
        "reason": None,
    }


def client_overview(client: User) -> dict:
    """Group the modules for a client's modules page: assigned and recommended first, then all."""
    locale = current_locale()
    modules = published_modules()
    done_ids = _done_lesson_ids(client)
    cards = {module.id: _card(module, done_ids, locale) for module in modules}
    assignments = db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.client_id == client.id)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
    ).all()
    featured: list[dict] = []
    for assignment in assignments:
        card = cards.get(assignment.module_id)
        if card is not None:
            card["assignment"] = assignment
            featured.append(card)
    by_slug = {card["slug"]: card for card in cards.values()}
    for recommendation in recommendations_for(client, modules=modules, done_ids=done_ids):
        card = by_slug[recommendation["slug"]]
        card["reason"] = recommendation["reason"]
        if card not in featured:
            featured.append(card)
    others = [card for card in cards.values() if card not in featured]
    return {"featured": featured, "others": others}


def module_page(client: User, module: Module) -> dict:
    """Return a module's introduction and its lessons with the client's progress."""
    locale = current_locale()
    done_ids = _done_lesson_ids(client)
    text = pick_text(module.texts, locale)
    lessons = []
    for lesson in published_lessons(module):
        lesson_text = pick_text(lesson.texts, locale)
        lessons.append(
            {
                "lesson": lesson,
                "title": lesson_text.title if lesson_text else lesson.slug,
                "summary": lesson_text.summary if lesson_text else "",
                "minutes": lesson_text.minutes if lesson_text else None,
                "done": lesson.id in done_ids,
                "url": url_for("guidance.lesson", slug=module.slug, lesson_slug=lesson.slug),
            }
        )
    assignment = db.session.scalar(
        sa.select(Assignment).where(
            Assignment.client_id == client.id, Assignment.module_id == module.id
        )
    )
    return {
        "module": module,
        "title": text.title if text else module.slug,
        "summary": text.summary if text else "",
        "intro": render_content(text.intro if text else ""),
        "lessons": lessons,
        "done": sum(1 for item in lessons if item["done"]),
        "total": len(lessons),
        "assignment": assignment,
    }


def lesson_page(client: User, module: Module, lesson: Lesson) -> dict:
    """Return a lesson's rendered text, its neighbours and whether the client has done it."""
    locale = current_locale()
    lessons = published_lessons(module)
    index = lessons.index(lesson)
    text = pick_text(lesson.texts, locale)
    module_text = pick_text(module.texts, locale)

    def neighbour(other: Lesson | None) -> dict | None:
        if other is None:
            return None
        other_text = pick_text(other.texts, locale)
        return {
            "title": other_text.title if other_text else other.slug,
            "url": url_for("guidance.lesson", slug=module.slug, lesson_slug=other.slug),
        }

    done = (
        db.session.scalar(
            sa.select(LessonProgress.id).where(
                LessonProgress.client_id == client.id, LessonProgress.lesson_id == lesson.id
            )
        )
        is not None
    )
    return {
        "module": module,
        "module_title": module_text.title if module_text else module.slug,
        "lesson": lesson,
        "title": text.title if text else lesson.slug,
        "minutes": text.minutes if text else None,
        "lang": text.locale if text else locale,
        "body": render_content(text.body if text else ""),
        "number": index + 1,
        "count": len(lessons),
        "previous": neighbour(lessons[index - 1] if index > 0 else None),
        "next": neighbour(lessons[index + 1] if index + 1 < len(lessons) else None),
        "done": done,
    }


def mark_done(client: User, lesson: Lesson) -> bool:
    """Record that the client finished a lesson; tell whether it was new (idempotent)."""
    exists = db.session.scalar(
        sa.select(LessonProgress.id).where(
            LessonProgress.client_id == client.id, LessonProgress.lesson_id == lesson.id
        )
    )
    if exists is not None:
        return False
    try:
        # A double-tap may race a second request past the check; the unique constraint decides.
        with db.session.begin_nested():
            db.session.add(LessonProgress(client_id=client.id, lesson_id=lesson.id))
    except sa.exc.IntegrityError:
        return False
    return True


# ---------------------------------------------------------------- rendering


def link_resolver(published_only: bool = True) -> LinkResolver:
    """Build a resolver from lesson:/module: targets to URLs, for existing content only."""
    query = sa.select(Module.slug, Lesson.slug).outerjoin(Lesson, Lesson.module_id == Module.id)
    if published_only:
        query = query.where(Module.published.is_(True)).where(
            sa.or_(Lesson.id.is_(None), Lesson.published.is_(True))
        )
    rows = db.session.execute(query).all()
    modules = {module_slug for module_slug, _lesson in rows}
    lessons = {(module_slug, lesson_slug) for module_slug, lesson_slug in rows if lesson_slug}

    def resolve(kind: str, target: str) -> str | None:
        if kind == "module":
            return url_for("guidance.module", slug=target) if target in modules else None
        module_slug, _sep, lesson_slug = target.partition("/")
        if (module_slug, lesson_slug) in lessons:
            return url_for("guidance.lesson", slug=module_slug, lesson_slug=lesson_slug)
        return None

    return resolve


def render_pacer(index: int) -> str:
    """Render the breathing pacer component (works without JavaScript)."""
    return render_template(
        "guidance/_breathing_pacer.html", pacer_id=f"breathing-pacer-{index}", pacer=PACER
    )


def render_content(source: str, *, published_only: bool = True) -> Markup:
    """Render lesson Markdown for display, links resolved and the pacer in place."""
    return render_markdown(source, resolve_link=link_resolver(published_only), pacer=render_pacer)


def preview(source: str) -> tuple[Markup, list[InternalLink]]:
    """Render a text as it will show, unpublished links included; list links that lead nowhere."""
    resolve = link_resolver(published_only=False)
    html, links = render_with_links(source, resolve_link=resolve, pacer=render_pacer)
    return html, [link for link in links if resolve(link.kind, link.target) is None]


# ---------------------------------------------------------------- recommendations


def reason_text(reason_key: str, evidence: dict) -> str:
    """Say in words why a module is suggested."""
    if reason_key == "short_sleep":
        return _(
            "You slept %(hours)s hours a night on average this week.",
            hours=format_decimal(evidence["mean_sleep"], format="0.#"),
        )
    if reason_key == "high_tension":
        return _(
            "You felt a lot of tension this week: %(score)s out of 5 on average.",
            score=format_decimal(evidence["mean_tension"], format="0.#"),
        )
    if reason_key == "low_bonding":
        return _(
            "On %(low)s of the %(days)s days you logged this week, you felt less "
            "connected to your baby.",
            low=evidence["low_days"],
            days=evidence["days"],
        )
    return _("Your recent check-ins point to this module.")


def _recent_day_logs(client: User, today: date) -> list[DayLog]:
    start = today - timedelta(days=rules.WINDOW_DAYS - 1)
    rows = db.session.execute(
        sa.select(
            CheckIn.day,
            CheckIn.mood,
            CheckIn.tension,
            CheckIn.energy,
            CheckIn.bonding,
            CheckIn.sleep_hours,
        ).where(CheckIn.client_id == client.id, CheckIn.day.between(start, today))
    ).all()
    return [
        DayLog(
            day=row.day,
            mood=row.mood,
            tension=row.tension,
            energy=row.energy,
            bonding=row.bonding,
            sleep_hours=row.sleep_hours,
        )
        for row in rows
    ]


def recommendations_for(
    client: User,
    today: date | None = None,
    *,
    modules: Sequence[Module] | None = None,
    done_ids: set[int] | None = None,
) -> list[dict]:
    """Suggest at most two modules from the client's last week, skipping dismissed and done ones.

    Each item holds the module, its slug, title, summary, URL and the reason in words.
    """
    today = today or local_today(client.timezone)
    modules = published_modules() if modules is None else modules
    done_ids = _done_lesson_ids(client) if done_ids is None else done_ids
    by_slug = {module.slug: module for module in modules}
    completed = {
        module.slug
        for module in modules
        if (progress := _progress(module, done_ids))[1] and progress[0] == progress[1]
    }
    dismissed = set(
        db.session.scalars(
            sa.select(RecommendationDismissal.module_slug).where(
                RecommendationDismissal.client_id == client.id
            )
        )
    )
    unavailable = set(rules.MODULE_SLUGS.values()) - set(by_slug)
    skipped = dismissed | completed | unavailable
    suggestions = rules.recommend(
        _recent_day_logs(client, today), today, skipped, limit=MAX_RECOMMENDATIONS
    )
    locale = current_locale()
    items = []
    for suggestion in suggestions:
        module = by_slug[suggestion.module_slug]
        text = pick_text(module.texts, locale)
        items.append(
            {
                "module": module,
                "slug": module.slug,
                "title": text.title if text else module.slug,
                "summary": text.summary if text else "",
                "url": url_for("guidance.module", slug=module.slug),
                "reason_key": suggestion.reason_key,
                "reason": reason_text(suggestion.reason_key, suggestion.evidence),
            }
        )
    return items


def dismiss_recommendation(client: User, slug: str) -> bool:
    """Stop suggesting a module to the client; tell whether this was new (idempotent)."""
    exists = db.session.scalar(
        sa.select(RecommendationDismissal.id).where(
            RecommendationDismissal.client_id == client.id,
            RecommendationDismissal.module_slug == slug,
        )
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(RecommendationDismissal(client_id=client.id, module_slug=slug))
    except sa.exc.IntegrityError:
        return False
    return True


# ---------------------------------------------------------------- practitioner side


def progress_for(client: User) -> list[dict]:
    """Return the client's assigned or started modules with lessons done out of total."""
    locale = current_locale()
    modules = published_modules()
    done_ids = _done_lesson_ids(client)
    assignments = {
        assignment.module_id: assignment
        for assignment in db.session.scalars(
            sa.select(Assignment).where(Assignment.client_id == client.id)
        )
    }
    rows = []
    for module in modules:
        done, total = _progress(module, done_ids)
        assignment = assignments.get(module.id)
        if assignment is None and done == 0:
            continue
        text = pick_text(module.texts, locale)
        rows.append(
            {
                "module": module,
                "slug": module.slug,
                "title": text.title if text else module.slug,
                "done": done,
                "total": total,
                "completed": total > 0 and done == total,
                "assigned": assignment is not None,
                "assigned_at": assignment.assigned_at if assignment else None,
                "message": assignment.message if assignment else None,
            }
        )
    # Assigned first, then the practice's order (already the order of modules).
    return sorted(rows, key=lambda row: not row["assigned"])


def assignable_modules() -> list[tuple[int, str]]:
    """Return (id, title) of the modules a practitioner may assign, in order."""
    locale = current_locale()
    choices = []
    for module in published_modules():
        text = pick_text(module.texts, locale)
        choices.append((module.id, text.title if text else module.slug))
    return choices


def assign_module(
    client: User, module: Module, practitioner: User, message: str | None
) -> tuple[Assignment, bool]:
    """Assign a module to a client, or update the message of an existing assignment."""
    message = (message or "").strip() or None
    query = sa.select(Assignment).where(
        Assignment.client_id == client.id, Assignment.module_id == module.id
    )
    assignment = db.session.scalar(query)
    if assignment is None:
        assignment = Assignment(
            client_id=client.id,
            module_id=module.id,
            assigned_by_id=practitioner.id,
            message=message,
        )
        try:
            # A double submit may race past the check; the unique constraint decides.
            with db.session.begin_nested():
                db.session.add(assignment)
            return assignment, True
        except sa.exc.IntegrityError:
            assignment = db.session.scalar(query)
    assignment.message = message
    assignment.assigned_by_id = practitioner.id
    db.session.flush()
    return assignment, False


# ---------------------------------------------------------------- authoring (admin)


def all_modules() -> list[Module]:
    """Return every module, published or not, in order, with texts and lessons."""
    return list(
        db.session.scalars(
            _modules_query(published_only=False).options(
                selectinload(Module.lessons).selectinload(Lesson.texts)
            )
        )
    )


def slugify(title: str, taken: Iterable[str], fallback: str) -> str:
    """Make a URL name from a title that is not yet taken."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:70].strip("-") or fallback
    taken = set(taken)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


@dataclass(frozen=True)
class TextValues:
    """What an author typed for one language of a module or lesson."""

    title: str
    summary: str
    body: str
    minutes: int | None = None


def builtin_slugs() -> set[str]:
    """Return the slugs of the built-in modules shipped as content files."""
    return {path.name for path in CONTENT_DIR.glob("*/*") if path.is_dir()}


def create_module(locale: str, values: TextValues) -> Module:
    """Add a practice's own module (unpublished until the admin publishes it)."""
    # Built-in slugs stay free even before the first load, so the loader never adopts this one.
    slugs = set(db.session.scalars(sa.select(Module.slug))) | builtin_slugs()
    last = db.session.scalar(sa.select(sa.func.max(Module.position))) or 0
    module = Module(
        slug=slugify(values.title, slugs, "module"),
        position=last + 1,
        published=False,
        builtin=False,
    )
    module.texts.append(
        ModuleText(
            locale=locale,
            title=values.title,
            summary=values.summary,
            intro=values.body,
            customised=True,
        )
    )
    db.session.add(module)
    db.session.flush()
    return module


def save_module_text(module: Module, locale: str, values: TextValues) -> bool:
    """Write one language of a module's texts; tell whether anything changed."""
    text = next((t for t in module.texts if t.locale == locale), None)
    fields = {"title": values.title, "summary": values.summary, "intro": values.body}
    if text is None:
        module.texts.append(ModuleText(locale=locale, customised=True, **fields))
        db.session.flush()
        return True
    if all(getattr(text, name) == value for name, value in fields.items()):
        return False
    for name, value in fields.items():
        setattr(text, name, value)
    text.customised = True
    db.session.flush()
    return True


def create_lesson(module: Module, locale: str, values: TextValues, editor: User) -> Lesson:
    """Add a lesson at the end of a module (unpublished until the admin publishes it)."""
    lesson = Lesson(
        slug=slugify(values.title, (lesson.slug for lesson in module.lessons), "lesson"),
        position=max((lesson.position for lesson in module.lessons), default=0) + 1,
        published=False,
    )
    lesson.texts.append(
        LessonText(
            locale=locale,
            title=values.title,
            summary=values.summary,
            body=values.body,
            minutes=values.minutes or 3,
            customised=True,
            updated_at=utcnow(),
            updated_by_id=editor.id,
        )
    )
    module.lessons.append(lesson)
    db.session.flush()
    return lesson


def save_lesson_text(lesson: Lesson, locale: str, values: TextValues, editor: User) -> bool:
    """Write one language of a lesson, keeping the previous version; tell whether it changed."""
    text = next((t for t in lesson.texts if t.locale == locale), None)
    fields = {
        "title": values.title,
        "summary": values.summary,
        "body": values.body,
        "minutes": values.minutes or 3,
    }
    if text is None:
        lesson.texts.append(
            LessonText(
                locale=locale,
                customised=True,
                updated_at=utcnow(),
                updated_by_id=editor.id,
                **fields,
            )
        )
        db.session.flush()
        return True
    if all(getattr(text, name) == value for name, value in fields.items()):
        return False
    db.session.add(
        ContentRevision(
            lesson_text_id=text.id,
            title=text.title,
            body=text.body,
            edited_by_id=editor.id,
            edited_at=utcnow(),
        )
    )
    for name, value in fields.items():
        setattr(text, name, value)
    text.customised = True
    text.updated_at = utcnow()
    text.updated_by_id = editor.id
    db.session.flush()
    return True


def lesson_history(lesson_text: LessonText) -> list[dict]:
    """Return the earlier versions of a lesson text, newest first, with who replaced them."""
    rows = db.session.execute(
        sa.select(ContentRevision, User.full_name)
        .outerjoin(User, User.id == ContentRevision.edited_by_id)
        .where(ContentRevision.lesson_text_id == lesson_text.id)
        .order_by(ContentRevision.edited_at.desc(), ContentRevision.id.desc())
    ).all()
    return [{"revision": revision, "editor": editor_name} for revision, editor_name in rows]


def user_name(user_id: int | None) -> str | None:
    """Return a user's name for an 'edited by' line."""
    if user_id is None:
        return None
    return db.session.scalar(sa.select(User.full_name).where(User.id == user_id))


def _renumber(rows: Sequence) -> None:
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            row.position = position


def move(rows: Sequence, row, direction: str) -> bool:
    """Swap a module or lesson with its neighbour in the given direction; tell whether it moved."""
    ordered = sorted(rows, key=lambda item: (item.position, item.id))
    _renumber(ordered)
    index = ordered.index(row)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(ordered):
        return False
    ordered[index].position, ordered[other].position = (
        ordered[other].position,
        ordered[index].position,
    )
    db.session.flush()
    return True


def modules_for_ordering() -> list[Module]:
    """Return every module without its texts, for reordering."""
    return list(db.session.scalars(sa.select(Module)))
