"""A dropped database connection costs one reconnect, never a failed request (PostgreSQL)."""

import psycopg
import pytest
import sqlalchemy as sa

from portal import worker
from portal.dates import local_today
from portal.extensions import db
from portal.mail import send_mail
from portal.models import OutboxMessage


def kill_other_connections(url: sa.URL) -> int:
    """Terminate every other connection to the test database, as a restart or a proxy would."""
    with psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, dbname=url.database,
        autocommit=True,
    ) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]


@pytest.fixture
def postgres_app(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    return app


def test_the_next_request_succeeds_after_connections_are_killed(postgres_app, login_as):
    browser, _client = login_as("client")
    assert browser.get("/me/").status_code == 200
    db.session.commit()
    assert kill_other_connections(db.engine.url) >= 1
    assert browser.get("/me/").status_code == 200
    assert browser.get("/healthz").status_code == 200


def test_the_worker_carries_on_after_connections_are_killed(postgres_app):
    send_mail("someone@example.test", "Subject", "Body")
    db.session.commit()
    kill_other_connections(db.engine.url)
    worker.run(max_ticks=1)
    assert db.session.scalar(sa.select(OutboxMessage.sent_at)) is not None


# --- A connection that dies in the middle of her save -----------------------------------------


def kill_connection_at(writing: str, times: int = 1):
    """Terminate the portal's own connection when it is about to run a statement writing this.

    "INSERT INTO CHECKINS" finds her save's upsert whether it comes alone or carries other
    writes in front of it as CTEs (on PostgreSQL it does: portal/checkins/services.py).

    A real fault: the backend is ended by PostgreSQL (pg_terminate_backend from a second
    connection), exactly as a restart, a failover or a proxy cutting the line would end it.
    Returns the list of statements cut, for the test to check that it happened.
    """
    url = db.engine.url
    cut: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if len(cut) < times and writing in " ".join(statement.upper().split()):
            cut.append(statement)
            pid = cursor.connection.info.backend_pid
            with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                                 dbname=url.database, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    return cut


def test_a_checkin_save_cut_mid_transaction_is_saved_once_without_a_500(postgres_app, login_as):
    from portal.models import CheckIn
    from tests.conftest import drawn_form

    browser, client = login_as("client")
    fields = drawn_form(browser, "/me/")
    cut = kill_connection_at("INSERT INTO CHECKINS")
    response = browser.post("/me/", data={**fields, "day": local_today().isoformat(), "mood": "2",
                                          "note": "after a long night"})
    assert cut, "the connection was not cut"
    assert response.status_code == 303
    assert "/me/saved/" in response.headers["Location"]
    rows = db.session.scalars(sa.select(CheckIn)).all()
    assert [(row.client_id, row.mood, row.note) for row in rows] == [
        (client.id, 2, "after a long night")
    ]


def test_a_questionnaire_cut_at_commit_is_stored_once_without_a_500(postgres_app, login_as):
    from portal.models import QuestionnaireResponse
    from tests.conftest import drawn_form
    from tests.test_submitted_once import answers_for

    browser, _client = login_as("client")
    data = {**answers_for("gad7", [1] * 7), **drawn_form(browser, "/questionnaires/gad7")}
    cut = kill_connection_at("INSERT INTO QUESTIONNAIRE_RESPONSES")
    response = browser.post("/questionnaires/gad7", data=data)
    assert cut
    assert response.status_code == 303
    assert "/questionnaires/results/" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 1


def test_a_request_cut_twice_shows_the_error_page_and_stores_nothing(postgres_app, login_as):
    from portal.models import CheckIn
    from tests.conftest import drawn_form

    postgres_app.config["PROPAGATE_EXCEPTIONS"] = False  # the page she would see, not a traceback
    browser, _client = login_as("client")
    fields = drawn_form(browser, "/me/")
    cut = kill_connection_at("INSERT INTO CHECKINS", times=2)
    response = browser.post("/me/", data={**fields, "day": local_today().isoformat(), "mood": "4"})
    assert len(cut) == 2
    assert response.status_code == 500
    assert "misschien niet opgeslagen" in response.get_data(as_text=True)  # the 500 page, in Dutch
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0
