"""Notes about a client: written, changed (keeping each earlier wording) and withdrawn.

Services add to the session and flush; the view commits once. Every change writes its
AuditEvent beside the change; details never hold health data.
"""

from __future__ import annotations

from datetime import UTC, datetime

from portal import audit
from portal.extensions import db
from portal.models import Note, NoteRevision, User


def create_note(client: User, author: User, body: str, shared: bool) -> Note:
    """Write a note about a client, private or shared with her."""
    now = datetime.now(UTC)
    note = Note(
        client_id=client.id,
        author_id=author.id,
        body=body,
        shared=shared,
        created_at=now,
        updated_at=now,
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        "note_created",
        client=client,
        actor=author,
        detail=f"note {note.id} ({'shared' if shared else 'private'})",
    )
    return note


def edit_note(note: Note, editor: User, body: str, shared: bool) -> bool:
    """Change a note, keeping its previous wording as a revision; False if nothing changed."""
    if note.body == body and note.shared == shared:
        return False
    now = datetime.now(UTC)
    note.revisions.append(
        NoteRevision(body=note.body, shared=note.shared, edited_by_id=editor.id, edited_at=now)
    )
    note.body, note.shared, note.updated_at = body, shared, now
    db.session.flush()
    audit.record(
        "note_edited",
        client=db.session.get(User, note.client_id),
        actor=editor,
        detail=f"note {note.id} ({'shared' if shared else 'private'})",
    )
    return True


def withdraw_note(note: Note, by: User, reason: str) -> bool:
    """Withdraw a note with a reason; it stays in the record. False if already withdrawn."""
    if note.withdrawn_at is not None:
        return False
    note.withdrawn_at = datetime.now(UTC)
    note.withdrawn_reason = reason
    db.session.flush()
    # Who withdrew it is kept in the access log (Note has no column for it).
    audit.record(
        "note_withdrawn",
        client=db.session.get(User, note.client_id),
        actor=by,
        detail=f"note {note.id}",
    )
    return True
