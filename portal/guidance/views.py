"""Guidance pages: the client's modules and lessons, assigning modules, editing content."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.access import client_record_for_practitioner, roles_required
from portal.extensions import db
from portal.guidance import services
from portal.guidance.forms import (
    AssignForm,
    LessonTextForm,
    ModuleTextForm,
    NewLessonForm,
    NewModuleForm,
)
from portal.models import Lesson, Module, Role
from portal.urls import safe_next

bp = Blueprint("guidance", __name__)


def _status() -> int:
    return 422 if request.method == "POST" else 200


# ---------------------------------------------------------------- the client's side


@bp.route("/")
@roles_required(Role.CLIENT)
def index():
    """List the modules: assigned and recommended first, then all, with progress."""
    return render_template("guidance/index.html", overview=services.client_overview(current_user))


def _published_module_or_404(slug: str) -> Module:
    module = services.published_module(slug)
    if module is None:
        abort(404)
    return module


def _published_lesson_or_404(module: Module, lesson_slug: str) -> Lesson:
    lesson = next(
        (item for item in services.published_lessons(module) if item.slug == lesson_slug), None
    )
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/modules/<slug>/")
@roles_required(Role.CLIENT)
def module(slug: str):
    """Show a module's introduction and its lessons."""
    module = _published_module_or_404(slug)
    return render_template("guidance/module.html", page=services.module_page(current_user, module))


@bp.route("/modules/<slug>/<lesson_slug>")
@roles_required(Role.CLIENT)
def lesson(slug: str, lesson_slug: str):
    """Show a lesson with previous/next and 'mark as done'."""
    module = _published_module_or_404(slug)
    lesson = _published_lesson_or_404(module, lesson_slug)
    return render_template(
        "guidance/lesson.html", page=services.lesson_page(current_user, module, lesson)
    )


@bp.route("/modules/<slug>/<lesson_slug>/done", methods=["POST"])
@roles_required(Role.CLIENT)
def mark_done(slug: str, lesson_slug: str):
    """Mark a lesson as done; doing it twice changes nothing."""
    module = _published_module_or_404(slug)
    lesson = _published_lesson_or_404(module, lesson_slug)
    if services.mark_done(current_user, lesson):
        # Which lesson she read stays out of the access log: it can hint at her health.
        audit.record("guidance_lesson_done", client=current_user)
    db.session.commit()
    return redirect(url_for("guidance.lesson", slug=module.slug, lesson_slug=lesson.slug))


@bp.route("/recommendations/<slug>/dismiss", methods=["POST"])
@roles_required(Role.CLIENT)
def dismiss_recommendation(slug: str):
    """Stop suggesting a module ("Not now")."""
    _published_module_or_404(slug)
    if services.dismiss_recommendation(current_user, slug):
        audit.record("guidance_recommendation_dismissed", client=current_user)
    db.session.commit()
    flash(_("This suggestion is hidden. You can always find the module under Guidance."), "info")
    return redirect(safe_next(request.form.get("next")) or url_for("guidance.index"))


# ---------------------------------------------------------------- the practitioner's side


@bp.route("/clients/<int:client_id>", methods=["GET", "POST"])
def client_progress(client_id: int):
    """Show a client's module progress and assign a module with a personal message."""
    client = client_record_for_practitioner(client_id)
    form = AssignForm()
    form.module_id.choices = services.assignable_modules()
    if form.validate_on_submit():
        module = db.get_or_404(Module, form.module_id.data)
        _assignment, created = services.assign_module(
            client, module, current_user, form.message.data
        )
        audit.record(
            "guidance_module_assigned" if created else "guidance_assignment_updated",
            client=client,
        )
        db.session.commit()
        flash(
            _("The module was assigned.") if created else _("The message was updated."),
            "success",
        )
        return redirect(url_for("guidance.client_progress", client_id=client.id))
    if request.method == "GET":
        audit.record("guidance_progress_viewed", client=client)
        db.session.commit()
    return render_template(
        "guidance/client.html",
        client=client,
        progress=services.progress_for(client),
        form=form,
    ), _status()


# ---------------------------------------------------------------- the admin's side


def _published_choice() -> bool:
    """Read the publish switch of a publish/unpublish button; anything else is a bad request."""
    value = request.form.get("published")
    if value not in ("0", "1"):
        abort(400)
    return value == "1"


def _locale_or_404(locale: str) -> str:
    if not services.supported_locale(locale):
        abort(404)
    return locale


def _values(form) -> services.TextValues:
    return services.TextValues(
        title=form.title.data,
        summary=form.summary.data or "",
        body=form.body.data or "",
        minutes=getattr(form, "minutes", None) and form.minutes.data,
    )


def _preview(form) -> dict:
    html, broken_links = services.preview(form.body.data or "")
    return {"html": html, "broken_links": broken_links}


@bp.route("/admin/")
@roles_required(Role.ADMIN)
def admin_index():
    """List every module with its lessons, for editing, ordering and publishing."""
    modules = services.all_modules()
    return render_template(
        "guidance/admin_index.html",
        modules=modules,
        pick_text=services.pick_text,
    )


@bp.route("/admin/modules/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_new_module():
    """Add one of the practice's own modules."""
    form = NewModuleForm()
    preview = None
    if form.validate_on_submit():
        if form.wants_preview:
            preview = _preview(form)
        else:
            module = services.create_module(form.locale.data, _values(form))
            audit.record("guidance_module_created", detail=module.slug)
            db.session.commit()
            flash(_("The module was added. Clients see it once you publish it."), "success")
            return redirect(url_for("guidance.admin_module", module_id=module.id))
    return render_template(
        "guidance/admin_module_form.html", form=form, module=None, locale=None, preview=preview
    ), (200 if preview else _status())


@bp.route("/admin/modules/<int:module_id>")
@roles_required(Role.ADMIN)
def admin_module(module_id: int):
    """Show a module's texts per language and its lessons."""
    module = db.get_or_404(Module, module_id)
    return render_template(
        "guidance/admin_module.html",
        module=module,
        lessons=sorted(module.lessons, key=lambda item: (item.position, item.id)),
        languages=current_app.config["LANGUAGES"],
        pick_text=services.pick_text,
    )


@bp.route("/admin/modules/<int:module_id>/texts/<locale>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_module_text(module_id: int, locale: str):
    """Edit a module's title, summary and introduction in one language."""
    module = db.get_or_404(Module, module_id)
    locale = _locale_or_404(locale)
    text = next((t for t in module.texts if t.locale == locale), None)
    form = ModuleTextForm()
    if request.method == "GET" and text is not None:
        form.title.data, form.summary.data, form.body.data = text.title, text.summary, text.intro
    preview = None
    if form.validate_on_submit():
        if form.wants_preview:
            preview = _preview(form)
        else:
            if services.save_module_text(module, locale, _values(form)):
                audit.record("guidance_module_text_edited", detail=f"{module.slug} {locale}")
                db.session.commit()
                flash(_("The changes were saved."), "success")
            return redirect(url_for("guidance.admin_module", module_id=module.id))
    return render_template(
        "guidance/admin_module_form.html", form=form, module=module, locale=locale, preview=preview
    ), (200 if preview else _status())


@bp.route("/admin/modules/<int:module_id>/move", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_move_module(module_id: int):
    """Move a module up or down in the list clients see."""
    module = db.get_or_404(Module, module_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    if services.move(services.modules_for_ordering(), module, direction):
        audit.record("guidance_module_moved", detail=f"{module.slug} {direction}")
        db.session.commit()
    return redirect(url_for("guidance.admin_index"))


@bp.route("/admin/modules/<int:module_id>/publish", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_publish_module(module_id: int):
    """Publish or unpublish a module."""
    module = db.get_or_404(Module, module_id)
    publish = _published_choice()
    if module.published != publish:
        module.published = publish
        audit.record(
            "guidance_module_published" if publish else "guidance_module_unpublished",
            detail=module.slug,
        )
        db.session.commit()
    flash(
        _("The module is published.") if publish else _("The module is hidden from clients."),
        "success",
    )
    return redirect(safe_next(request.form.get("next")) or url_for("guidance.admin_index"))


@bp.route("/admin/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_new_lesson(module_id: int):
    """Add a lesson at the end of a module."""
    module = db.get_or_404(Module, module_id)
    form = NewLessonForm()
    preview = None
    if form.validate_on_submit():
        if form.wants_preview:
            preview = _preview(form)
        else:
            lesson = services.create_lesson(module, form.locale.data, _values(form), current_user)
            audit.record("guidance_lesson_created", detail=f"{module.slug}/{lesson.slug}")
            db.session.commit()
            flash(_("The lesson was added. Clients see it once you publish it."), "success")
            return redirect(url_for("guidance.admin_module", module_id=module.id))
    return render_template(
        "guidance/admin_lesson_form.html",
        form=form,
        module=module,
        lesson=None,
        locale=None,
        preview=preview,
        history=[],
        text=None,
    ), (200 if preview else _status())


@bp.route("/admin/lessons/<int:lesson_id>/texts/<locale>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_lesson_text(lesson_id: int, locale: str):
    """Edit a lesson in one language, with a preview and the history of earlier versions."""
    lesson = db.get_or_404(Lesson, lesson_id)
    locale = _locale_or_404(locale)
    text = next((t for t in lesson.texts if t.locale == locale), None)
    form = LessonTextForm()
    if request.method == "GET" and text is not None:
        form.title.data, form.summary.data = text.title, text.summary
        form.body.data, form.minutes.data = text.body, text.minutes
    preview = None
    if form.validate_on_submit():
        if form.wants_preview:
            preview = _preview(form)
        else:
            if services.save_lesson_text(lesson, locale, _values(form), current_user):
                audit.record(
                    "guidance_lesson_text_edited",
                    detail=f"{lesson.module.slug}/{lesson.slug} {locale}",
                )
                db.session.commit()
                flash(_("The changes were saved."), "success")
            return redirect(
                url_for("guidance.admin_lesson_text", lesson_id=lesson.id, locale=locale)
            )
    return render_template(
        "guidance/admin_lesson_form.html",
        form=form,
        module=lesson.module,
        lesson=lesson,
        locale=locale,
        preview=preview,
        text=text,
        updated_by=services.user_name(text.updated_by_id) if text else None,
        history=services.lesson_history(text) if text else [],
    ), (200 if preview else _status())


@bp.route("/admin/lessons/<int:lesson_id>/move", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_move_lesson(lesson_id: int):
    """Move a lesson up or down within its module."""
    lesson = db.get_or_404(Lesson, lesson_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    if services.move(lesson.module.lessons, lesson, direction):
        audit.record("guidance_lesson_moved", detail=f"{lesson.module.slug}/{lesson.slug}")
        db.session.commit()
    return redirect(url_for("guidance.admin_module", module_id=lesson.module_id))


@bp.route("/admin/lessons/<int:lesson_id>/publish", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_publish_lesson(lesson_id: int):
    """Publish or unpublish a lesson."""
    lesson = db.get_or_404(Lesson, lesson_id)
    publish = _published_choice()
    if lesson.published != publish:
        lesson.published = publish
        audit.record(
            "guidance_lesson_published" if publish else "guidance_lesson_unpublished",
            detail=f"{lesson.module.slug}/{lesson.slug}",
        )
        db.session.commit()
    flash(
        _("The lesson is published.") if publish else _("The lesson is hidden from clients."),
        "success",
    )
    return redirect(url_for("guidance.admin_module", module_id=lesson.module_id))
