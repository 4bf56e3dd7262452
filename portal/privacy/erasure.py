"""Erase a client: her health data and account go in one transaction; the log keeps a pseudonym.

The rows to remove are found by walking the schema (every foreign key to users, and onward to
rows that hang off those), so a table added later is covered without touching this module.
What references her without a foreign key is handled by name: the access log (plain ids and
labels), invitations and enquiries (by e-mail address).

Deleted rows also have to leave the database files. SQLite overwrites freed space with zeros
(PRAGMA secure_delete, set on every connection in portal/database.py), and after the commit
`clear_old_copies` empties the WAL, which still holds earlier versions of her pages.
PostgreSQL keeps deleted rows as dead tuples until VACUUM; see the README.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import audit, database
from portal.appointments.services import cancel_before_erasure
from portal.extensions import db
from portal.mail import send_mail
from portal.models import (
    AuditEvent,
    Enquiry,
    ErasureRequest,
    Invitation,
    OutboxMessage,
    ShareLink,
    User,
)
from portal.privacy.services import pseudonym, pseudonym_label

# Foreign keys this deep below users are followed (users -> notes -> note_revisions is 2).
MAX_DEPTH = 4


class ErasureError(ValueError):
    """The request cannot be carried out (already decided, or the account is not a client's)."""


def erase_client(erasure: ErasureRequest, admin: User) -> None:
    """Carry out an erasure request: notify her, delete everything of hers, pseudonymise the log."""
    if erasure.decided_at is not None or erasure.user_id is None:
        raise ErasureError("already decided")
    client = db.session.get(User, erasure.user_id)
    if client is None or not client.is_client:
        raise ErasureError("not a client")
    client_id, email = client.id, client.email
    label = pseudonym_label(pseudonym(client))

    # Her coming appointments are cancelled first, each practitioner told (initials only), so
    # nobody waits for a visit that will not come; the rows go with the rest below.
    cancel_before_erasure(client)
    # Mail still waiting for her is moot now. The confirmation below is the one message that
    # keeps her address, until the worker has sent it (forget_recipient).
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient == email))
    # And the mails that carried her share links to her care team, sent or not.
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(
        sa.select(ShareLink.outbox_message_id).where(ShareLink.client_id == client_id))))
    # Told before the address is gone; the transaction below either completes or rolls back.
    with force_locale(client.locale):
        subject = _("Your data has been erased")
        body = render_template("privacy/emails/erasure_done.txt", client=client)
    send_mail(email, subject, body, kind="erasure_done", forget_recipient=True)

    erasure.decided_at = datetime.now(UTC)
    erasure.decided_by_id = admin.id
    erasure.decision = "erased"
    erasure.pseudonym = pseudonym(client)
    db.session.flush()

    _pseudonymise_audit_log(client_id, email, label)
    db.session.execute(sa.delete(Invitation).where(Invitation.email == email))
    db.session.execute(sa.delete(Enquiry).where(Enquiry.email == email))
    users = User.__table__
    _delete_rows(users, users.c.id == client_id, depth=0)
    # Her objects in this session now describe deleted rows: keep them from being refreshed.
    db.session.expunge(client)

    # The one entry that survives: that an erasure happened, under her pseudonym.
    audit.record(
        "account_erased", actor=admin, detail=f"erasure request {erasure.id}", client_label=label
    )


def clear_old_copies() -> None:
    """After the erasure's commit, move SQLite's WAL into the file and empty it (else nothing)."""
    result = database.checkpoint_wal(current_app)
    if result is not None and result[0]:
        # Readers of older snapshots outlasted the busy timeout: the next checkpoint
        # (SQLite's automatic one, or the next erasure's) finishes the job.
        current_app.logger.warning("after an erasure the WAL could not be emptied: %s", result)


def _pseudonymise_audit_log(client_id: int, email: str, label: str) -> None:
    """Replace her ids and address in the access log by the pseudonym."""
    events = AuditEvent.__table__
    db.session.execute(
        sa.update(events)
        .where(sa.or_(events.c.client_id == client_id, events.c.client_label == email))
        .values(client_id=None, client_label=label)
    )
    # Her own actions: her network address goes too.
    db.session.execute(
        sa.update(events)
        .where(sa.or_(events.c.actor_id == client_id, events.c.actor_label == email))
        .values(actor_id=None, actor_label=label, ip_address=None)
    )
    db.session.execute(
        sa.update(events).where(events.c.on_behalf_of_id == client_id).values(on_behalf_of_id=None)
    )
    # Details such as a failed sign-in or an invitation name the address.
    db.session.execute(
        sa.update(events)
        .where(events.c.detail.contains(email, autoescape=True))
        .values(detail=label)
    )


def _delete_rows(table: sa.Table, condition, depth: int) -> None:
    """Delete rows of a table matching a condition after dealing with every row that points at them.

    A foreign key with ON DELETE CASCADE (or a NOT NULL one) means the child row belongs to the
    erased row: it is deleted too; otherwise the child loses the reference (SET NULL). Done in
    SQL rather than left to the database, so the result does not hang on SQLite's foreign-key
    pragma being on.
    """
    if depth > MAX_DEPTH:
        raise ErasureError(f"foreign keys nest deeper than {MAX_DEPTH} below users")
    for child in db.metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is not table:
                continue
            column = key.parent
            referenced = sa.select(key.column).where(condition)
            if key.ondelete == "CASCADE" or not column.nullable:
                if child is table:
                    continue
                _delete_rows(child, column.in_(referenced), depth + 1)
            else:
                db.session.execute(
                    sa.update(child).where(column.in_(referenced)).values({column.name: None})
                )
    db.session.execute(sa.delete(table).where(condition))
