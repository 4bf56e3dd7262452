"""Benchmark of the practice pages on a year of data (run by `make bench`, never by `make test`).

A practice of 20 practitioners and 500 clients, each with 365 days of check-ins (~182,500 rows) and
an EPDS every 4 weeks, and a conversation of 6 messages each (a third of them waiting for an answer
and unread, so the waiting list and the unread badge are full), bulk-inserted. In one run it
measures, through the Flask test client: the dashboard of a practitioner with 25 clients, the
dashboard of one with all 500 clients (the caseload is reassigned for that), and a client page with
365 days of data (30 and 90 day periods). For each: p50/p95 over 30 requests, the number of SQL
statements, the time of the page's own SQL alone (cursor executes, timed with
before/after_cursor_execute) and the process's CPU time per request (the page's cost
whatever the machine's load; the load average is printed).
A framework floor (the help page, signed in) is measured in the same run as the baseline.
Targets: dashboard p95 < 150 ms at 500 clients, client page p95 < 100 ms. It prints and
compares; it fails only on wrong pages or on a query count that grows with the caseload, never
on timing.

SQLite always; PostgreSQL too when TEST_DATABASE_URL (or the Makefile's default URL) answers.
The PostgreSQL database is wiped and rebuilt: point TEST_DATABASE_URL at a scratch database.
"""

from __future__ import annotations

import math
import os
import random
import re
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import event

from config import TestingConfig
from portal import create_app
from portal.dates import local_today
from portal.extensions import db
from portal.flags import LEVEL_RANK
from portal.models import (
    CheckIn,
    ClientProfile,
    Flag,
    Message,
    MessageThread,
    Note,
    QuestionnaireResponse,
    User,
)
from portal.models.users import new_pseudonym
from portal.passwords import hash_password
from tests.conftest import PASSWORD, BrowserClient, login

PRACTITIONERS = 20
CLIENTS = 500
DAYS = 365
EPDS_EVERY_DAYS = 28
REQUESTS = 30
WARM_UP = 3
BATCH = 10_000
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

TARGET_DASHBOARD_500_P95_MS = 150
TARGET_CLIENT_PAGE_P95_MS = 100


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
    if not url.startswith("postgresql"):
        return None
    try:
        with psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://", 1), connect_timeout=3
        ):
            return url
    except psycopg.Error:
        return None


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(_postgres_url() is None, reason="PostgreSQL not reachable"),
        )
    )
    return params


@pytest.fixture
def bench_app(request, tmp_path):
    """An app on a freshly migrated database of the requested backend."""
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'bench.db'}"
    else:
        url = _postgres_url()
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    app.test_client_class = BrowserClient  # each request in its own app context, as in production
    with app.app_context():
        if backend == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


# The practice.


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start : start + BATCH])


def generate_practice(seed: int = 7) -> dict:
    """Bulk-insert the practice; return the ids the measurements need."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = local_today()
    password_hash = hash_password(PASSWORD)
    users = [
        dict(
            id=1,
            email="admin@bench.test",
            full_name="Admin",
            role="admin",
            password_hash=password_hash,
            locale="en",
        )
    ]
    practitioner_ids = list(range(2, 2 + PRACTITIONERS))
    for number, user_id in enumerate(practitioner_ids):
        users.append(
            dict(
                id=user_id,
                email=f"practitioner{number}@bench.test",
                full_name=f"Practitioner {number:02d}",
                role="practitioner",
                password_hash=password_hash,
                locale="en",
            )
        )
    first_client = 2 + PRACTITIONERS
    client_ids = list(range(first_client, first_client + CLIENTS))
    profiles = []
    for number, user_id in enumerate(client_ids):
        users.append(
            dict(
                id=user_id,
                email=f"client{number}@bench.test",
                full_name=f"Client {rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{number:03d}",
                role="client",
                password_hash=None,
                locale="nl",
            )
        )
        profiles.append(
            dict(
                user_id=user_id,
                practitioner_id=practitioner_ids[number % PRACTITIONERS],  # 25 each
                delivery_date=today - timedelta(days=DAYS + rng.randint(0, 30)),
                delivery_type=rng.choice(
                    (
                        "induced_oxytocin",
                        "induced_other",
                        "spontaneous",
                        "planned_caesarean",
                        "emergency_caesarean",
                    )
                ),
                feeding=rng.choice(("breast", "bottle", "both")),
                started_on=today - timedelta(days=DAYS),
            )
        )
    for row in users:
        row.setdefault("timezone", "Europe/Amsterdam")
        row.update(active=True, pseudonym=new_pseudonym(), created_at=now, totp_enabled=False)
    _insert(User, users)
    _insert(ClientProfile, profiles)

    checkins, responses, flags, notes = [], [], [], []
    for number, client_id in enumerate(client_ids):
        # About one in ten has not checked in for 5 days (not the client page measured).
        silent_days = 5 if number and rng.random() < 0.1 else 0
        base = rng.uniform(2.2, 4.2)
        for offset in range(silent_days, DAYS):
            if rng.random() < 0.08:
                continue  # a day she did not log
            mood = max(1, min(5, round(base + rng.gauss(0, 0.8))))
            checkins.append(
                dict(
                    client_id=client_id,
                    day=today - timedelta(days=offset),
                    mood=mood,
                    tension=rng.randint(1, 5),
                    energy=rng.randint(1, 5),
                    bonding=rng.randint(2, 5),
                    sleep_hours=rng.choice((4, 4.5, 5, 5.75, 6, 6.5, 7, 7.25, 8)),
                    night_wakings=rng.randint(0, 5),
                    sleep_quality=rng.randint(1, 5),
                    skin_to_skin_minutes=rng.choice((None, 15, 30, 60)),
                    activities=rng.sample(["hug", "breathing", "walk_outside", "pet"], 2),
                    note="Een drukke dag" if rng.random() < 0.1 else None,
                    created_at=now,
                    updated_at=now,
                )
            )
        for offset in range(DAYS - 14, -1, -EPDS_EVERY_DAYS):
            scores = [rng.randint(0, 2) for _ in range(9)] + [1 if rng.random() < 0.02 else 0]
            total = sum(scores)
            band = (
                "few_symptoms"
                if total <= 9
                else "possible_depression"
                if total <= 12
                else "probable_depression"
            )
            responses.append(
                dict(
                    client_id=client_id,
                    instrument="epds",
                    answers={},
                    item_scores=scores,
                    total=total,
                    band=band,
                    safety=scores[9] >= 1,
                    locale="nl",
                    subscales={},
                    submitted_at=now - timedelta(days=offset),
                )
            )
        # Flag history: a few closed flags each, open ones for about a third of the clients.
        for episode in range(4):
            level = rng.choice(("high", "medium", "low"))
            raised = now - timedelta(days=60 * episode + rng.randint(10, 50))
            flags.append(
                dict(
                    client_id=client_id,
                    rule=("worsening", "short_sleep", "bonding", "low_mood")[episode],
                    level=level,
                    level_rank=LEVEL_RANK[level],
                    evidence={"low_days": 3, "logged_days": 7},
                    raised_at=raised,
                    acknowledged_at=raised + timedelta(hours=5),
                    acknowledged_by_id=practitioner_ids[number % PRACTITIONERS],
                    acknowledgement_note="Gebeld, gaat beter.",
                )
            )
        if number % 3 == 0:
            level = ("urgent", "high", "medium", "low")[number % 4]
            flags.append(
                dict(
                    client_id=client_id,
                    rule="epds_high" if level != "urgent" else "safety",
                    level=level,
                    level_rank=LEVEL_RANK[level],
                    evidence={"total": 14, "submitted_on": today.isoformat(), "item_10": 1},
                    raised_at=now - timedelta(hours=rng.randint(1, 400)),
                )
            )
        for index in range(3):
            notes.append(
                dict(
                    client_id=client_id,
                    author_id=practitioner_ids[number % PRACTITIONERS],
                    body=f"Consult {index}: slaap besproken, ademhalingsoefening afgesproken.",
                    shared=index % 2 == 0,
                    created_at=now - timedelta(days=30 * index),
                    updated_at=now - timedelta(days=30 * index),
                )
            )
    _insert(CheckIn, checkins)
    _insert(QuestionnaireResponse, responses)
    _insert(Flag, flags)
    _insert(Note, notes)
    threads, messages = _conversations(rng, client_ids, practitioner_ids, now)
    _insert(MessageThread, threads)
    _insert(Message, messages)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Explicit ids above: move the sequences past them, and give the planner statistics.
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('users', 'id'), "
                    "(SELECT max(id) FROM users))"
                )
            )
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('message_threads', 'id'), "
                    "(SELECT max(id) FROM message_threads))"
                )
            )
            conn.execute(sa.text("ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return {
        "practitioner_ids": practitioner_ids,
        "client_ids": client_ids,
        "checkins": len(checkins),
        "responses": len(responses),
        "flags": len(flags),
        "messages": len(messages),
        "waiting": sum(1 for thread in threads if thread["waiting_since"] is not None),
    }


MESSAGES_PER_THREAD = 6


def _conversations(rng, client_ids, practitioner_ids, now):
    """A conversation per client: questions and answers, a third of them waiting and unread."""
    threads, messages = [], []
    for number, client_id in enumerate(client_ids):
        practitioner_id = practitioner_ids[number % PRACTITIONERS]
        thread_id = number + 1
        waiting = number % 3 == 0
        started = now - timedelta(days=rng.randint(5, 60))
        for index in range(MESSAGES_PER_THREAD):
            from_client = index % 2 == 0 or (waiting and index == MESSAGES_PER_THREAD - 1)
            sent = started + timedelta(hours=12 * index)
            last = index == MESSAGES_PER_THREAD - 1
            messages.append(
                dict(
                    thread_id=thread_id,
                    sender_id=client_id if from_client else practitioner_id,
                    from_client=from_client,
                    body="Mag ik iets vragen over de ademhalingsoefening?" * 3,
                    created_at=sent,
                    read_at=None if waiting and last else sent + timedelta(hours=1),
                )
            )
        threads.append(
            dict(
                id=thread_id,
                client_id=client_id,
                practitioner_id=practitioner_id,
                created_at=started,
                last_message_at=messages[-1]["created_at"],
                waiting_since=messages[-1]["created_at"] if waiting else None,
            )
        )
    return threads, messages


# Measuring.


@dataclass
class Figures:
    name: str
    p50: float
    p95: float
    queries: int
    sql_p50: float
    bytes: int
    # This process's CPU time per request: what the page costs, whatever the machine's load
    # (on SQLite it includes the database's work, which runs in the process).
    cpu_p50: float = 0.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# The session's idle clock (portal.auth.sessions.touch) is written at most once a minute, on
# whichever request comes first after the minute: a run that takes more than a minute (any run
# on a loaded machine) has one request with a statement more. It belongs to the session, not
# to the page, so it is counted apart ("the number of queries varied: {8, 7}" was this).
SESSION_TOUCH_RE = re.compile(r"^\s*UPDATE user_sessions SET last_seen_at", re.IGNORECASE)
session_touches = {"count": 0}


def measure(test_client, name: str, path: str) -> Figures:
    """Request a page REQUESTS times; time the page and, separately, its own SQL."""
    state = {"sql": 0.0, "count": 0, "started": []}

    def before(conn, cursor, statement, parameters, context, executemany):
        state["started"].append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        state["sql"] += time.perf_counter() - state["started"].pop()
        if SESSION_TOUCH_RE.match(statement):
            session_touches["count"] += 1
        else:
            state["count"] += 1

    for _ in range(WARM_UP):
        assert test_client.get(path).status_code == 200
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    page_times, sql_times, cpu_times, counts = [], [], [], set()
    try:
        for _ in range(REQUESTS):
            state["sql"], state["count"] = 0.0, 0
            started, cpu_started = time.perf_counter(), time.process_time()
            response = test_client.get(path)
            page_times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, path
            sql_times.append(state["sql"] * 1000)
            counts.add(state["count"])
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    assert len(counts) == 1, f"{path}: the number of queries varied: {counts}"
    return Figures(
        name=name,
        p50=statistics.median(page_times),
        p95=_percentile(page_times, 0.95),
        queries=counts.pop(),
        sql_p50=statistics.median(sql_times),
        bytes=len(response.get_data()),
        cpu_p50=statistics.median(cpu_times),
    )


def _verdict(value: float, target: float) -> str:
    return "met" if value < target else "MISSED"


@pytest.mark.parametrize("bench_app", _backends(), indirect=True)
def test_bench_practice_pages(bench_app):
    app = bench_app
    backend = db.engine.dialect.name
    started = time.perf_counter()
    practice = generate_practice()
    generated = time.perf_counter() - started
    small, big = practice["practitioner_ids"][0], practice["practitioner_ids"][1]
    client_id = practice["client_ids"][0]  # practitioner `small`'s client, 365 days logged
    db.session.remove()

    small_client, big_client = app.test_client(), app.test_client()
    login(small_client, db.session.get(User, small))
    login(big_client, db.session.get(User, big))
    db.session.remove()

    figures = [measure(small_client, "help page (baseline)", "/help")]
    figures.append(measure(small_client, "dashboard, 25 clients", "/practice/"))
    figures.append(measure(small_client, "client page, 30 days", f"/practice/clients/{client_id}"))
    figures.append(
        measure(small_client, "client page, 90 days", f"/practice/clients/{client_id}?days=90")
    )

    # Now one practitioner holds the whole caseload.
    db.session.execute(sa.update(ClientProfile).values(practitioner_id=big))
    db.session.commit()
    db.session.remove()
    figures.append(measure(big_client, "dashboard, 500 clients", "/practice/"))
    figures.append(measure(big_client, "dashboard, 500, page 6", "/practice/?page=6"))
    figures.append(measure(big_client, "dashboard, 500, flagged", "/practice/?flagged=y"))
    db.session.remove()

    by_name = {figure.name: figure for figure in figures}
    dashboard_25 = by_name["dashboard, 25 clients"]
    dashboard_500 = by_name["dashboard, 500 clients"]
    client_30 = by_name["client page, 30 days"]
    baseline = by_name["help page (baseline)"]

    print()
    print(
        f"== {backend}: {PRACTITIONERS} practitioners, {CLIENTS} clients, "
        f"{practice['checkins']:,} check-ins, {practice['responses']:,} EPDS, "
        f"{practice['flags']:,} flags, {practice['messages']:,} messages "
        f"({practice['waiting']} conversations waiting); generated in {generated:.1f} s; "
        f"{REQUESTS} requests each"
    )
    header = (
        f"{'page':<26}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'SQL ms':>9}"
        f"{'vs base':>9}{'KiB':>7}{'CPU ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for figure in figures:
        print(
            f"{figure.name:<26}{figure.p50:>9.1f}{figure.p95:>9.1f}{figure.queries:>9}"
            f"{figure.sql_p50:>9.1f}{figure.p50 / baseline.p50:>8.1f}x"
            f"{figure.bytes / 1024:>7.0f}{figure.cpu_p50:>9.1f}"
        )
    print(
        f"session idle-clock writes during the run (once a minute, not counted above): "
        f"{session_touches['count']}"
    )
    print(
        f"dashboard 500 vs 25 clients: p50 x{dashboard_500.p50 / dashboard_25.p50:.2f}, "
        f"SQL x{dashboard_500.sql_p50 / max(dashboard_25.sql_p50, 1e-9):.2f}"
    )
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print("targets:")
    print(
        f"  dashboard p95 at 500 clients < {TARGET_DASHBOARD_500_P95_MS} ms: "
        f"{dashboard_500.p95:.1f} ms, "
        f"{_verdict(dashboard_500.p95, TARGET_DASHBOARD_500_P95_MS)}"
    )
    print(
        f"  client page p95 < {TARGET_CLIENT_PAGE_P95_MS} ms: {client_30.p95:.1f} ms, "
        f"{_verdict(client_30.p95, TARGET_CLIENT_PAGE_P95_MS)}"
    )

    # Not timing: the architecture's promise that the query count does not grow with caseload.
    assert dashboard_25.queries == dashboard_500.queries
