"""Erasure: afterwards no row of hers remains in any table; the access log keeps a pseudonym."""

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.dates import local_today
from portal.extensions import db
from portal.models import AuditEvent, CheckIn, ErasureRequest, Message, MessageThread, Note, User
from portal.outbox import deliver_pass
from portal.privacy import services
from tests.conftest import PASSWORD, login, post_drawn_form, post_form
from tests.test_privacy import fill_record, request_erasure

USER_ID_COLUMNS = {"actor_id", "client_id", "on_behalf_of_id", "user_id"}


def _refers_to_users(column: sa.Column) -> bool:
    return column.name in USER_ID_COLUMNS or any(
        key.column.table.name == "users" for key in column.foreign_keys
    )


def traces_of(user_id: int, email: str, name: str) -> list[str]:
    """Walk every table and column; describe every value that still points at the person."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).mappings():
            for column in table.columns:
                value = row[column.name]
                if value is None:
                    continue
                if table.name == "users" and column.name == "id" and value == user_id:
                    found.append(f"users.id = {user_id}")
                elif _refers_to_users(column) and value == user_id:
                    found.append(f"{table.name}.{column.name} = {user_id}")
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                if email in text.lower() or name in text:
                    found.append(f"{table.name}.{column.name} holds {text[:60]!r}")
    return found


def test_erasure_leaves_no_row_of_hers_and_a_pseudonymous_log(app, login_as, make, outbox):
    practitioner = make.practitioner()
    admin_browser, admin = login_as("admin")
    browser, user = login_as("client", practitioner=practitioner, name="Wilhelmina Erasable")
    # Someone else's record must come through untouched.
    other = make.client(practitioner=practitioner)
    fill_record(user, practitioner)
    fill_record(other, practitioner)
    user_id, email, name = user.id, user.email, user.full_name
    pseudonym = services.pseudonym(user)
    request_erasure(browser)
    erasure = db.session.scalar(sa.select(ErasureRequest))
    assert traces_of(user_id, email, name)  # the walk does see her before

    counts_before = {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
    response = post_form(
        admin_browser,
        f"/account/admin/erasure/{erasure.id}",
        {f"r{erasure.id}-decision": "erase"},
        token_from="/account/admin/erasure",
    )
    assert response.status_code == 302
    db.session.expire_all()

    # She is told: that message is all that holds her address, until the worker sends it.
    (confirmation,) = [m for m in outbox if m.recipient == email]
    assert confirmation.kind == "erasure_done"
    assert {trace.split(" ")[0] for trace in traces_of(user_id, email, name)} <= {
        "outbox_messages.recipient",
        "outbox_messages.body",
    }
    assert deliver_pass().sent >= 1
    assert traces_of(user_id, email, name) == []
    # Her sign-in is gone and her session with it.
    assert browser.get("/account/").status_code == 302
    # The other client's record is all there.
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(CheckIn).where(CheckIn.client_id == other.id)
        )
        == 2
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Note).where(Note.client_id == other.id)
        )
        == 2
    )
    assert db.session.get(User, practitioner.id) is not None
    # Her conversation is gone; the other client's is whole.
    assert db.session.scalars(sa.select(MessageThread.client_id)).all() == [other.id]
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 3

    label = services.pseudonym_label(pseudonym)
    erased = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "account_erased")
    ).all()
    assert len(erased) == 1
    assert erased[0].client_label == label and erased[0].client_id is None
    assert erased[0].actor_id == admin.id
    # Her earlier entries are kept under the pseudonym, not deleted.
    pseudonymised = db.session.scalars(
        sa.select(AuditEvent).where(
            sa.or_(AuditEvent.client_label == label, AuditEvent.actor_label == label),
            AuditEvent.action != "account_erased",
        )
    ).all()
    assert {event.action for event in pseudonymised} >= {
        "login",
        "client_record_viewed",
        "erasure_requested",
    }
    assert all(event.ip_address is None for event in pseudonymised if event.actor_label == label)
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        == counts_before["audit_events"] + 1
    )  # nothing of the log deleted; one entry added

    request_row = db.session.get(ErasureRequest, erasure.id)
    assert request_row.user_id is None
    assert request_row.decision == "erased" and request_row.decided_by_id == admin.id
    assert request_row.pseudonym == pseudonym
    listing = admin_browser.get("/account/admin/erasure").get_data(as_text=True)
    assert name not in listing


def test_an_erased_client_cannot_sign_in(app, login_as, make):
    admin_browser, _admin = login_as("admin")
    browser, user = login_as("client")
    email = user.email
    request_erasure(browser)
    erasure = db.session.scalar(sa.select(ErasureRequest))
    post_form(
        admin_browser,
        f"/account/admin/erasure/{erasure.id}",
        {f"r{erasure.id}-decision": "erase"},
        token_from="/account/admin/erasure",
    )
    response = post_form(app.test_client(), "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 422


def test_a_deciding_admin_must_choose(login_as):
    admin_browser, _admin = login_as("admin")
    browser, _user = login_as("client")
    request_erasure(browser)
    erasure = db.session.scalar(sa.select(ErasureRequest))
    response = post_form(
        admin_browser,
        f"/account/admin/erasure/{erasure.id}",
        {},
        token_from="/account/admin/erasure",
    )
    assert response.status_code == 422
    assert db.session.get(ErasureRequest, erasure.id).decided_at is None


def test_unknown_request_is_404(login_as):
    admin_browser, _admin = login_as("admin")
    response = post_form(
        admin_browser,
        "/account/admin/erasure/999",
        {"r999-decision": "erase"},
        token_from="/account/admin/erasure",
    )
    assert response.status_code == 404


def test_login_helper_still_works_after_another_erasure(app, login_as, make):
    # Erasing one client leaves other sessions alone.
    admin_browser, _admin = login_as("admin")
    browser, _user = login_as("client")
    bystander_browser, bystander = login_as("client")
    request_erasure(browser)
    erasure = db.session.scalar(sa.select(ErasureRequest))
    post_form(
        admin_browser,
        f"/account/admin/erasure/{erasure.id}",
        {f"r{erasure.id}-decision": "erase"},
        token_from="/account/admin/erasure",
    )
    assert bystander_browser.get("/account/").status_code == 200
    assert login(app.test_client(), bystander).status_code == 302


def test_erased_data_is_gone_from_the_sqlite_files_too(app, login_as, make):
    """Deleted rows linger in free pages and the WAL unless overwritten and checkpointed."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        pytest.skip("reads the raw SQLite files; PostgreSQL is covered by VACUUM (see README)")
    path = Path(uri.removeprefix("sqlite:///"))
    admin_browser, _admin = login_as("admin")
    # Neighbours on the same database pages: deleting her rows leaves those pages in use.
    for _neighbour in range(3):
        login_as("client", baby_name="Neighbour baby")
    browser, user = login_as(
        "client", email="zuzanna.oblivion7731@example.test", name="Zuzanna Oblivionska",
        baby_name="Wolfgang Vergeetmenietje",
    )
    for _neighbour in range(3):
        login_as("client", baby_name="Neighbour baby")
    page = post_drawn_form(browser, "/me/", {"day": local_today(user.timezone).isoformat(),
                                             "mood": "2", "note": "Nachtmerrie-notitie 5f2b9c"})
    assert page.status_code == 303
    traces = [b"zuzanna.oblivion7731@example.test", b"Zuzanna Oblivionska",
              b"Wolfgang Vergeetmenietje", b"Nachtmerrie-notitie 5f2b9c"]

    def raw_files() -> bytes:
        return b"".join(
            candidate.read_bytes()
            for candidate in (path, path.with_name(path.name + "-wal"))
            if candidate.exists()
        )

    assert all(trace in raw_files() for trace in traces)  # the files did hold her data
    request_erasure(browser)
    erasure = db.session.scalar(sa.select(ErasureRequest))
    response = post_form(admin_browser, f"/account/admin/erasure/{erasure.id}",
                         {f"r{erasure.id}-decision": "erase"},
                         token_from="/account/admin/erasure")
    assert response.status_code == 302
    # Only the confirmation to her address is left, waiting in the outbox ...
    left = raw_files()
    assert [trace for trace in traces if trace in left] in ([], traces[:1], traces[:2])
    # ... and once the worker has sent it, the address is gone from the files as well.
    assert deliver_pass().sent >= 1
    left = raw_files()
    assert [trace for trace in traces if trace in left] == []
    # Set on every connection: not every SQLite build has it on by default (Debian's has).
    assert db.session.execute(sa.text("PRAGMA secure_delete")).scalar() == 1


def test_erasure_cancels_her_coming_appointments_first_and_tells_the_practitioner(
        app, login_as, make, outbox):
    """Her future visits are cancelled, the practitioner told: initials, no health data."""
    from datetime import UTC, datetime, time, timedelta

    from portal.appointments import services as appointments
    from portal.models import Appointment, WeeklyHours

    practitioner = make.practitioner(name="Anna de Vries")
    practitioner.locale = "en"
    for weekday in range(7):
        db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday,
                                   starts_at=time(9), ends_at=time(17), length_minutes=60,
                                   kind="video"))
    db.session.commit()
    admin_browser, _admin = login_as("admin")
    browser, user = login_as("client", practitioner=practitioner, name="Wilhelmina Erasable")
    fill_record(user, practitioner)  # her EPDS, notes, flags: none of it may reach the notice
    slots = appointments.open_slots(practitioner.id, kind="video")
    coming = appointments.book(user, "video", slots[3].starts_at, booked_by=user)
    past = datetime.now(UTC) - timedelta(days=2)
    db.session.add(Appointment(client_id=user.id, practitioner_id=practitioner.id, kind="video",
                               starts_at=past, ends_at=past + timedelta(hours=1)))
    db.session.commit()
    when = appointments.when_text(coming.starts_at, "en")
    user_id, email, name = user.id, user.email, user.full_name
    request_erasure(browser)
    erasure = db.session.scalar(sa.select(ErasureRequest))
    response = post_form(admin_browser, f"/account/admin/erasure/{erasure.id}",
                         {f"r{erasure.id}-decision": "erase"},
                         token_from="/account/admin/erasure")
    assert response.status_code == 302
    db.session.expire_all()
    notices = [m for m in outbox
               if m.recipient == practitioner.email and m.kind.startswith("appointment")]
    # Two coming visits (this one and fill_record's in January 2027); none for the past one.
    assert [m.kind for m in notices] == ["appointment_cancelled_erasure"] * 2
    assert any(when in notice.subject + notice.body for notice in notices)
    for notice in notices:
        text = notice.subject + notice.body
        assert "W.E." in text and "cancelled" in text
        assert name not in text and email not in text and "Erasable" not in text
        assert "EPDS" not in text and "flag" not in text.lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 0
    # Her calendar's one message is the erasure confirmation; nothing else goes to her.
    assert [m.kind for m in outbox if m.recipient == email] == ["erasure_done"]
    assert deliver_pass().sent >= 2
    assert traces_of(user_id, email, name) == []
