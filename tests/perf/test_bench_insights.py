"""Benchmark of "what often went with a better day" on a year (``make bench``, not ``make test``).

One client with 365 days of full check-ins (three to five activities a day, one real effect).
Measured in one run, 30 repetitions after a warm-up, p50 and p95: (a) ``find_insights`` alone
on the 365 days, (b) the whole section (statistics, sentences) and its strip charts, (c) her
progress page for the 365-day period and for the default 30 days, through the Flask test
client. The insight's share of the page is (b) / ((c) - (b)): the time it adds to a page
without the section. Since issue #25 the section and its charts are kept per client and day
until her next save (portal/reports/insight_cache.py): (d) is reading them back, as every view
after the first of the day does, and its share (d) / ((c) - (d)) has the target: at most 15 %
of the 365-day page's p50. The first view of a day (and the first after a save) pays (b) once.
It prints and compares; it fails only on a wrong page or a missing finding, never on timing.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

import pytest

from portal.dates import local_today
from portal.extensions import db
from portal.insights import find_insights
from portal.models import ACTIVITIES, CheckIn
from portal.reports import insight_cache
from portal.reports.insight_lines import checkin_days, insight_charts, insight_section
from portal.reports.summary import MEASURE_KEYS, Period, insight_key
from tests.conftest import login

DAYS = 365
REQUESTS = 30
TARGET_SHARE = 0.15


def _timed(action, repeat=REQUESTS) -> list[float]:
    action()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _p(samples, q):
    return statistics.quantiles(samples, n=100)[q - 1]


def test_insights_on_a_year_add_little_to_the_progress_page(app, make):
    mother = make.client(practitioner=make.practitioner(), name="Year Long")
    mother.locale = "en"
    today = local_today(mother.timezone)
    rng = random.Random(365)
    rows = []
    for offset in range(DAYS):
        activities = sorted(rng.sample(ACTIVITIES, rng.randint(3, 5)))
        tension = rng.randint(2, 5) - (1 if "breathing" in activities else 0)
        rows.append(
            CheckIn(
                client_id=mother.id,
                day=today - timedelta(days=offset),
                mood=rng.randint(1, 5),
                tension=max(1, tension),
                energy=rng.randint(1, 5),
                bonding=rng.randint(1, 5),
                sleep_hours=rng.randint(16, 32) / 4,
                night_wakings=rng.randint(0, 4),
                sleep_quality=rng.randint(1, 5),
                skin_to_skin_minutes=rng.choice([0, 15, 30]),
                activities=activities,
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    days = checkin_days(rows, MEASURE_KEYS)

    found = find_insights(days, ACTIVITIES)
    assert found.findings and found.findings[0].activity == "breathing"

    statistics_only = _timed(lambda: find_insights(days, ACTIVITIES))
    section = _timed(lambda: insight_section(days, "en"))
    drawn = insight_section(days, "en")
    strip_charts = _timed(lambda: insight_charts(drawn, "en"))
    added = _p(section, 50) + _p(strip_charts, 50)

    test_client = app.test_client()
    login(test_client, mother)
    year = f"/reports/me?start={today - timedelta(days=DAYS - 1)}&end={today}"

    def page(url):
        response = test_client.get(url)
        assert response.status_code == 200
        assert b'class="item insight" data-activity="breathing"' in response.data or url != year

    page_year = _timed(lambda: page(year))
    page_month = _timed(lambda: page("/reports/me"))

    # What a view reads back once the day's first view kept the section and its charts.
    period = Period(today - timedelta(days=DAYS - 1), today)
    key = insight_key(period, "en")

    def kept():
        insight_cache.section(mother.id, today, key, lambda: pytest.fail("not kept"))
        insight_cache.charts(mother.id, today, f"400 {key}", lambda: pytest.fail("not kept"))
        db.session.rollback()

    read_back = _timed(kept)
    cold_share = added / (_p(page_year, 50) - _p(read_back, 50))
    share = _p(read_back, 50) / (_p(page_year, 50) - _p(read_back, 50))
    print(
        f"\n== insights on {DAYS} days, {len(ACTIVITIES)} activities x 6 measures,"
        f" {found.comparisons_made} comparisons\n"
        f"find_insights          p50 {_p(statistics_only, 50):7.1f} ms"
        f"  p95 {_p(statistics_only, 95):7.1f} ms\n"
        f"section (with words)   p50 {_p(section, 50):7.1f} ms  p95 {_p(section, 95):7.1f} ms\n"
        f"strip charts ({len(drawn.lines)})      p50 {_p(strip_charts, 50):7.1f} ms"
        f"  p95 {_p(strip_charts, 95):7.1f} ms\n"
        f"progress page, 365 d   p50 {_p(page_year, 50):7.1f} ms  p95 {_p(page_year, 95):7.1f} ms\n"
        f"progress page, 30 d    p50 {_p(page_month, 50):7.1f} ms"
        f"  p95 {_p(page_month, 95):7.1f} ms\n"
        f"kept section + charts   p50 {_p(read_back, 50):7.1f} ms"
        f"  p95 {_p(read_back, 95):7.1f} ms\n"
        f"insights' share of the 365-day page p50, first view of the day: {cold_share:.0%}\n"
        f"insights' share of the 365-day page p50, kept: {share:.0%}"
        f" (target <= {TARGET_SHARE:.0%}: {'met' if share <= TARGET_SHARE else 'NOT met'})"
    )
