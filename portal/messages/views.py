"""The client's messages page, withdrawing a message, and the admin covering for an absent
practitioner."""

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit
from portal.access import roles_required
from portal.dates import local_today
from portal.extensions import db
from portal.messages import services
from portal.messages.forms import HandledForm, MessageForm, WithdrawMessageForm
from portal.models import Message, MessageThread, Role, User

bp = Blueprint("messages", __name__)


def _user() -> User:
    return current_user._get_current_object()


def safety_context(practitioner: User | None = None) -> dict:
    """Return what the page above a message box says about reading hours and replies."""
    config = current_app.config
    away_until = None
    if practitioner is not None:
        settings = services.settings_for(practitioner)
        if settings.away_until and settings.away_until >= local_today():
            away_until = settings.away_until
    return {
        "reading_hours": config["MESSAGE_READING_HOURS"],
        "reply_days": config["MESSAGE_REPLY_WORKING_DAYS"],
        "away_until": away_until,
        "max_chars": services.MAX_CHARS,
    }


def withdrawable(threads, user: User) -> set[int]:
    """Return the ids of this person's messages that she may still withdraw."""
    now = datetime.now(UTC)
    return {
        message.id
        for thread in threads
        for message in thread.messages
        if services.may_withdraw(message, user, now)
    }


def _inbox_page(form: MessageForm, status: int = 200):
    """Render her conversation(s), mark the practice's messages read and log the view."""
    client = _user()
    practitioner = services.practitioner_of(client)
    threads = services.threads_of_client(client)
    current = next((t for t in threads if practitioner and t.practitioner_id == practitioner.id),
                   None)
    # Read before rendering, so the navigation's badge already counts them as read.
    for thread in threads:
        services.mark_read(thread, reader_is_client=True)
    html = render_template(
        "messages/inbox.html",
        client=client,
        practitioner=practitioner,
        current=current,
        earlier=[thread for thread in threads if thread is not current],
        form=form,
        withdrawable=withdrawable(threads, client),
        now=datetime.now(UTC),
        **safety_context(practitioner),
    )
    audit.record(
        "own_messages_viewed",
        client=client,
        detail=", ".join(f"thread {thread.id}" for thread in threads) or None,
    )
    db.session.commit()
    return html, status


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def inbox():
    """Show her conversation with her practitioner and send a new message."""
    client = _user()
    form = MessageForm()
    if request.method == "POST":
        practitioner = services.practitioner_of(client)
        if practitioner is None:
            flash(_("You have no practitioner yet, so the message could not be sent."), "error")
            return _inbox_page(form, 409)
        if client.profile.collection_paused:
            # A message is new data like a check-in: none is stored while consent is withdrawn.
            flash(
                _(
                    "You withdrew your consent, so the portal does not store new messages. "
                    "You can call the practice on %(phone)s.",
                    phone=current_app.config["PRACTICE_PHONE"],
                ),
                "error",
            )
            return _inbox_page(form, 409)
        if form.validate_on_submit():
            thread = services.thread_between(client, practitioner, create=True)
            services.send_message(thread, client, form.body.data)
            db.session.commit()
            flash(_("Your message was sent."), "success")
            return redirect(url_for("messages.inbox", _anchor="latest"))
        return _inbox_page(form, 422)
    return _inbox_page(form)


def _back_after_withdrawal(thread: MessageThread, user: User):
    if user.is_client:
        return redirect(url_for("messages.inbox"))
    if user.is_admin:
        return redirect(url_for("messages.covering_thread", thread_id=thread.id))
    return redirect(url_for("practice.client_page", client_id=thread.client_id,
                            _anchor="messages"))


@bp.route("/<int:message_id>/withdraw", methods=["POST"])
@login_required
def withdraw(message_id: int):
    """Withdraw one's own message within minutes of sending it; anyone else gets 404."""
    user = _user()
    message = db.session.get(Message, message_id)
    if message is None or message.sender_id != user.id:
        audit.refusal(message.thread.client_id if message is not None else None)
        db.session.commit()
        abort(404)
    if not WithdrawMessageForm().validate_on_submit():
        abort(400)
    if services.withdraw_message(message, user):
        flash(_("Your message was withdrawn."), "success")
    else:
        flash(_("A message can only be withdrawn in the first minutes after sending."), "error")
    db.session.commit()
    return _back_after_withdrawal(message.thread, user)


# The admin, covering for an inactive or absent practitioner.


@bp.route("/covering")
@roles_required(Role.ADMIN)
def covering():
    """List the conversations of practitioners who are away or inactive, waiting ones first."""
    return render_template(
        "messages/covering.html",
        threads=services.covering_threads(local_today()),
        now=datetime.now(UTC),
    )


def _covered_thread_or_404(thread_id: int) -> MessageThread:
    thread = db.session.get(MessageThread, thread_id)
    if thread is None or not services.may_cover(_user(), thread, local_today()):
        audit.refusal(thread.client_id if thread is not None else None)
        db.session.commit()
        abort(404)
    return thread


def _covering_page(thread: MessageThread, form: MessageForm, status: int = 200):
    thread = services.thread_with_messages(thread.client_id, thread.practitioner_id)
    services.mark_read(thread, reader_is_client=False)
    html = render_template(
        "messages/covering_thread.html",
        thread=thread,
        form=form,
        handled_form=HandledForm(formdata=None),
        withdrawable=withdrawable([thread], _user()),
        now=datetime.now(UTC),
    )
    audit.record("message_thread_covered", client=thread.client, detail=f"thread {thread.id}")
    db.session.commit()
    return html, status


@bp.route("/covering/<int:thread_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def covering_thread(thread_id: int):
    """Read and answer a conversation while its practitioner is away (logged)."""
    thread = _covered_thread_or_404(thread_id)
    form = MessageForm()
    if request.method == "POST":
        if form.validate_on_submit():
            services.send_message(thread, _user(), form.body.data)
            db.session.commit()
            flash(_("The message was sent."), "success")
            return redirect(url_for("messages.covering_thread", thread_id=thread.id))
        return _covering_page(thread, form, 422)
    return _covering_page(thread, form)


@bp.route("/covering/<int:thread_id>/handled", methods=["POST"])
@roles_required(Role.ADMIN)
def covering_handled(thread_id: int):
    """Mark a covered conversation handled, no reply needed."""
    thread = _covered_thread_or_404(thread_id)
    form = HandledForm()
    if not form.validate_on_submit():
        abort(400)
    if services.mark_handled(thread, _user()):
        flash(_("Marked as handled."), "success")
    db.session.commit()
    return redirect(url_for("messages.covering_thread", thread_id=thread.id))
