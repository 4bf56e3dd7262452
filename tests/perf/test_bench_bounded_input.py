"""Benchmark of the bounded inputs (``make bench``): the slowest thing each limit still lets in.

Through the Flask test client, signed in as an admin, on SQLite:
- the lesson preview with the worst Markdown found for markdown-it-py (link and image openers,
  emphasis runs, tables whose short rows are filled in, breathing pacers...) at MAX_BODY
  characters, and the same text one character over (refused by the form);
- the questionnaire wording upload at MAX_DEFINITION_BYTES (many wrong items, many unknown
  fields, nesting at the limit, one long string) and far over it;
- a body over MAX_CONTENT_LENGTH (413, unread);
- a reset request for an existing and for an unknown address (the same work either way).
Each case runs REPEATS times; the table shows median and worst wall time and the process CPU
time of the worst run (the machine is shared, so CPU time says more than wall time under load).
Only correctness fails the test, never timing.
"""

import io
import json
import os
import statistics
import time

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.guidance.forms import MAX_BODY
from portal.guidance.loader import load_content
from portal.models import Lesson, Module
from portal.questionnaires.instruments import MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH
from tests.conftest import CSRF_RE

REPEATS = 5
TARGET_SECONDS = 1.0


def repeat(unit: str, length: int) -> str:
    """Repeat a unit to exactly `length` characters."""
    return (unit * (length // len(unit) + 1))[:length]


def tables(length: int, columns: int, rows: int) -> str:
    """Many small tables whose rows hold one cell each (the rest is filled in)."""
    table = "|a" * columns + "\n" + "|-" * columns + "\n" + "a\n" * rows + "\n"
    return repeat(table, length)


def markdown_cases(length: int) -> dict[str, str]:
    return {
        "'*a' (the review's case)": repeat("*a", length),
        "'![' image openers": repeat("![", length),
        "'[![' nested openers": repeat("[![", length),
        "'[' link openers": repeat("[", length),
        "'_*' emphasis runs": repeat("_*", length),
        "'![a](' unclosed images": repeat("![a](", length),
        "small tables, filled-in rows": tables(length, 7, 14),
        "one wide table": tables(length, length // 8, length // 4),
        "explicit empty cells": "|a" * 50 + "\n" + "|-" * 50 + "\n" + repeat("|" * 99 + "\n",
                                                                              length - 202),
        "breathing pacers": repeat("[[breathing-pacer]]\n\n", length),
        "internal links": repeat("[a](lesson:sleep/a-calm-evening) ", length),
        "setext headings": repeat("a\n=\n", length),
        "nested lists": "".join("  " * (i % 30) + "- a\n" for i in range(length))[:length],
    }


def json_cases() -> dict[str, bytes]:
    limit = MAX_DEFINITION_BYTES
    # Two levels go to the object and its items list: the file nests exactly to the limit.
    nested = "[" * (MAX_DEFINITION_DEPTH - 2) + "]" * (MAX_DEFINITION_DEPTH - 2)
    return {
        "items of zeros": b'{"instrument": "epds", "items": [' + b",".join(
            [b"0"] * ((limit - 40) // 2)) + b"]}",
        "unknown fields": json.dumps({f"f{n:06d}": 0 for n in range(limit // 14)}).encode(),
        "nesting at the limit": ('{"items": [' + ",".join(
            [nested] * ((limit - 20) // (len(nested) + 1))) + "]}").encode(),
        "one long string": json.dumps({"licence": "x" * (limit - 20)}).encode(),
        "over the limit (refused)": json.dumps({"licence": "x" * (3 * limit)}).encode(),
        "'[' x 100,000 (refused)": b"[" * 100_000,
    }


def timed(send) -> tuple[float, float, int]:
    """Run one request; return wall seconds, CPU seconds and the status."""
    wall, cpu = time.perf_counter(), time.process_time()
    status = send()
    return time.perf_counter() - wall, time.process_time() - cpu, status


def measure(send) -> dict:
    runs = [timed(send) for _ in range(REPEATS)]
    walls = [wall for wall, _cpu, _status in runs]
    worst = max(runs)
    return {"median": statistics.median(walls), "max": worst[0], "cpu": worst[1],
            "statuses": sorted({status for *_times, status in runs})}


@pytest.fixture
def app_config() -> dict:
    return {"LOGIN_LIMIT": "100000 per minute"}


@pytest.fixture
def admin_browser(app, login_as):
    load_content()
    db.session.commit()
    browser, admin = login_as("admin")
    admin.locale = "en"
    db.session.commit()
    return browser


def test_bench_bounded_input(app, admin_browser, make):
    browser = admin_browser
    token = CSRF_RE.search(browser.get("/help").get_data(as_text=True))[1]
    lesson_id = db.session.scalar(
        sa.select(Lesson.id).join(Module).where(Module.slug == "sleep",
                                                Lesson.slug == "a-calm-evening"))
    lesson_url = f"/guidance/admin/lessons/{lesson_id}/texts/en"
    rows = []

    def preview(body):
        data = {"title": "T", "summary": "", "minutes": "3", "body": body, "preview": "1",
                "csrf_token": token}
        return lambda: browser.post(lesson_url, data=data).status_code

    for name, body in markdown_cases(MAX_BODY).items():
        assert len(body) <= MAX_BODY, name
        result = measure(preview(body))
        assert result["statuses"] == [200], (name, result)
        rows.append((f"preview {len(body):,} chars: {name}", result))
    result = measure(preview(repeat("![", MAX_BODY + 1)))
    assert result["statuses"] == [422]
    rows.append((f"preview {MAX_BODY + 1:,} chars (refused)", result))

    def upload(content):
        def send():
            data = {"instrument": "epds", "csrf_token": token,
                    "definition": (io.BytesIO(content), "epds.json")}
            return browser.post("/questionnaires/admin/instruments", data=data,
                                content_type="multipart/form-data").status_code
        return send

    for name, content in json_cases().items():
        assert len(content) <= MAX_DEFINITION_BYTES or "refused" in name, name
        result = measure(upload(content))
        assert result["statuses"] == [422], (name, result)
        rows.append((f"wording upload {len(content):,} bytes: {name}", result))

    too_large = app.config["MAX_CONTENT_LENGTH"] + 1

    def oversized():
        return app.test_client().post(
            "/login", data=b"", content_type="application/x-www-form-urlencoded",
            environ_overrides={"wsgi.input": io.BytesIO(b"a" * too_large),
                               "CONTENT_LENGTH": str(too_large)}).status_code

    result = measure(oversized)
    assert result["statuses"] == [413]
    rows.append((f"POST /login of {too_large:,} bytes (413)", result))

    make.client(email="known@example.test")
    reset_browser = app.test_client()
    reset_token = CSRF_RE.search(reset_browser.get("/reset").get_data(as_text=True))[1]
    for address in ("known@example.test", "nobody@example.test"):
        runs = [timed(lambda a=address: reset_browser.post(
            "/reset", data={"email": a, "csrf_token": reset_token}).status_code)
            for _ in range(40)]
        walls = sorted(wall for wall, _cpu, _status in runs)
        rows.append((f"reset request, {address} (40 runs)",
                     {"median": statistics.median(walls), "max": walls[-1],
                      "cpu": statistics.median(cpu for _w, cpu, _s in runs),
                      "statuses": sorted({status for *_t, status in runs})}))

    print()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"{REPEATS} runs per case (reset: 40); target {TARGET_SECONDS:.0f} s")
    print(f"{'case':<72} {'median s':>9} {'max s':>7} {'cpu s':>7}  status")
    for name, result in rows:
        print(f"{name:<72} {result['median']:>9.3f} {result['max']:>7.3f} "
              f"{result['cpu']:>7.3f}  {result['statuses']}")
