"""Saves under faults: connections cut and workers killed (run by `make bench`, PostgreSQL).

The load test's 50 mothers (tests/perf/test_load_checkins.py: same accounts, same saves, same
check of the database against what each was told) save check-ins for PERF_SECONDS (60) against
gunicorn -w 4 on PostgreSQL, while:
- every 7 s all of the portal's database connections are terminated (pg_terminate_backend, as
  a database restart, a failover or a proxy would end them);
- at 20 s and at 40 s one gunicorn worker is killed with SIGKILL (gunicorn starts another).

It prints acknowledged, failed (5xx), no answer (the connection cut by a killed worker: hers
to send again, which her phone does, see the offline check-in), lost, changed and duplicated.
Targets: 0 lost, changed, duplicated and 0 answers 5xx. Correctness always fails the run.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from portal.dates import local_today
from tests.perf import test_load_checkins as load

CUT_EVERY_SECONDS = 7
KILL_WORKER_AT = (20, 40)
DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test_chaos"


def _pg_url() -> str:
    return os.environ.get("PERF_CHAOS_PG_URL", DEFAULT_PG_SERVER)


def _workers(master: int) -> list[int]:
    """Return the process ids of gunicorn's workers (the master's children)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _cut_connections(url: str) -> int:
    """Terminate every connection to the portal's database but this one; return how many."""
    name = make_url(url).database
    with psycopg.connect(load._pg_admin(url), autocommit=True) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()[0]


def _unanswered_saves_kept(url: str, mothers: list, changed: int) -> int:
    """Count days whose stored values are those of a later save that got no answer.

    A worker killed after its COMMIT but before its answer leaves her phone without an answer
    for a save that is stored. If the day had been acknowledged before with other values, the
    load test's check counts that day as changed; it is not: what is stored is what she sent
    last. Returns how many of the "changed" days are that (the rest are real changes).
    """
    if not changed:
        return 0
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "select u.email, c.day, c.mood, c.tension, c.energy, c.bonding, c.sleep_quality,"
                " c.sleep_hours, c.night_wakings, c.skin_to_skin_minutes, c.activities, c.note"
                " from checkins c join users u on u.id = c.client_id"
            )).all()
    finally:
        engine.dispose()
    stored = {}
    for email, day, *values in rows:
        values[5] = float(values[5]) if values[5] is not None else None
        values[8] = sorted(values[8])
        stored[(email, day)] = tuple(values)
    kept = 0
    for mother in mothers:
        email = f"load{mother.number}@example.test"
        for day, values in mother.acknowledged.items():
            found = stored.get((email, day))
            later = [load._as_stored(unanswered) for unanswered in mother.uncertain.get(day, [])]
            if found is not None and found != load._as_stored(values) and found in later:
                kept += 1
    return kept


def _chaos(url: str, master: int, seconds: float, stop: threading.Event, log: list) -> None:
    started = time.monotonic()
    next_cut = CUT_EVERY_SECONDS
    kills = list(KILL_WORKER_AT)
    while not stop.is_set():
        now = time.monotonic() - started
        if now >= seconds:
            return
        if now >= next_cut:
            log.append(f"{now:5.1f} s: {_cut_connections(url)} connections terminated")
            next_cut += CUT_EVERY_SECONDS
        if kills and now >= kills[0]:
            kills.pop(0)
            workers = _workers(master)
            if workers:
                victim = random.Random(len(kills)).choice(workers)
                os.kill(victim, signal.SIGKILL)
                log.append(f"{now:5.1f} s: worker {victim} killed (SIGKILL)")
        time.sleep(0.05)


@pytest.mark.skipif(
    not load._pg_reachable(), reason=f"PostgreSQL not reachable at {load._pg_server_url()}"
)
def test_saves_survive_cut_connections_and_killed_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("PERF_PG_URL", _pg_url())
    url = load._prepare_database("postgresql", tmp_path)
    server = None
    events: list[str] = []
    try:
        server = load.Server(url, tmp_path / "gunicorn.log")
        today = local_today("Europe/Amsterdam")
        mothers = [
            load.Mother(number, server.port, today, random.Random(number))
            for number in range(load.CLIENTS)
        ]
        sign_in = [threading.Thread(target=mother.sign_in) for mother in mothers]
        for batch in range(0, load.CLIENTS, load.WORKERS * 2):
            for thread in sign_in[batch : batch + load.WORKERS * 2]:
                thread.start()
            for thread in sign_in[batch : batch + load.WORKERS * 2]:
                thread.join()
        assert all(mother.token for mother in mothers), "every mother should be signed in"

        stop = threading.Event()
        chaos = threading.Thread(
            target=_chaos, args=(url, server.process.pid, load.SECONDS, stop, events)
        )
        chaos.start()
        try:
            elapsed = load._run_phase(mothers, load.SECONDS, load.Mother.save_once)
        finally:
            stop.set()
            chaos.join()
    finally:
        if server is not None:
            server.stop()
    try:
        report = load._check_database(url, mothers)
        unanswered_kept = _unanswered_saves_kept(url, mothers, report["changed"])
        report["changed"] -= unanswered_kept
    finally:
        load._drop_database("postgresql", url)

    statuses: dict = {}
    for mother in mothers:
        for status, count in mother.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    acknowledged = statuses.get(303, 0)
    failed = sum(count for status, count in statuses.items()
                 if isinstance(status, int) and status >= 500)
    no_answer = statuses.get("network error", 0)
    verdict = (
        "targets met"
        if failed == 0 and report["lost"] == report["changed"] == report["duplicated"] == 0
        else "TARGETS MISSED"
    )
    print(
        f"\n[chaos, postgresql] {load.CLIENTS} mothers, gunicorn -w {load.WORKERS}, "
        f"{elapsed:.1f} s; connections terminated every {CUT_EVERY_SECONDS} s, a worker "
        f"SIGKILLed at {' and '.join(f'{s} s' for s in KILL_WORKER_AT)}: {verdict}\n"
        + "".join(f"  {event}\n" for event in events)
        + f"  acknowledged {acknowledged}, failed (5xx) {failed}, no answer {no_answer} "
        f"(cut by a killed worker: hers to send again)\n"
        f"  responses: {dict(sorted(statuses.items(), key=str))}\n"
        f"  database: {report['rows']} check-in rows; lost {report['lost']}, "
        f"changed {report['changed']}, duplicated {report['duplicated']}, "
        f"stored without acknowledgement {report['unacknowledged_but_stored']}, "
        f"holding her later unanswered save {unanswered_kept}"
    )
    if failed and server.log_path.exists():
        print(server.log_path.read_text()[-3000:])
    assert report["lost"] == report["changed"] == report["duplicated"] == 0
    if os.environ.get("PERF_ENFORCE_TARGETS") == "1":
        assert failed == 0
