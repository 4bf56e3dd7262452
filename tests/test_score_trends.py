"""The practitioner's score timelines: bands, reliable change, and the per-item view."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import QuestionnaireResponse
from tests.conftest import login

NOW = datetime.now(UTC)


def add_response(client, instrument, item_scores, band, days_ago):
    db.session.add(
        QuestionnaireResponse(
            client_id=client.id,
            instrument=instrument,
            answers={},
            item_scores=item_scores,
            total=sum(item_scores),
            band=band,
            safety=instrument == "epds" and item_scores[9] >= 1,
            locale="en",
            submitted_at=NOW - timedelta(days=days_ago),
        )
    )


@pytest.fixture
def page(app, make):
    practitioner = make.practitioner(name="Marieke van Dijk")
    practitioner.locale = "en"
    mother = make.client(practitioner=practitioner, name="Eva Wit")
    # EPDS 6, then 8 (+2), then 13 with item 10 at 1 (+5 on the previous, +7 on the first).
    add_response(mother, "epds", [1, 1, 1, 1, 1, 1, 0, 0, 0, 0], "few_symptoms", 60)
    add_response(mother, "epds", [1, 1, 1, 1, 1, 1, 1, 1, 0, 0], "few_symptoms", 30)
    add_response(mother, "epds", [2, 2, 1, 2, 1, 1, 1, 1, 1, 1], "probable_depression", 2)
    add_response(mother, "gad7", [1, 1, 1, 1, 1, 1, 0], "mild", 40)
    add_response(mother, "gad7", [1, 1, 1, 0, 0, 0, 0], "minimal", 3)
    db.session.commit()
    test_client = app.test_client()
    login(test_client, practitioner)
    return test_client.get(f"/practice/clients/{mother.id}").get_data(as_text=True)


def trend(page, instrument):
    match = re.search(
        rf'<div class="score-trend" data-instrument="{instrument}">(.*?)</details>', page, re.S
    )
    assert match, f"no {instrument} timeline"
    return match.group(1)


def cells(html):
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    ]


def test_epds_timeline_marks_reliable_change_and_measurement_error(page):
    epds = trend(page, "epds")
    table = epds.split('<table class="score-timeline">')[1].split("</table>")[0]
    rows = [cells(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]

    assert [row[1] for row in rows] == ["6", "8", "13"]
    assert rows[0][3:] == ["–", "–"]
    assert rows[1][3:] == ["+2 within measurement error", "+2 within measurement error"]
    assert rows[2][3:] == ["+7 reliable change", "+5 reliable change"]
    assert "Matthey 2004" in epds
    assert '<img src="data:image/svg+xml,%3Csvg' in epds and "Bands: 0–9" in epds


def test_gad7_timeline_says_its_threshold_is_an_approximation(page):
    gad7 = trend(page, "gad7")

    assert "-3 within measurement error" in " ".join(cells(gad7))
    assert "approximation" in gad7


def test_per_item_view_highlights_item_10(page):
    epds = trend(page, "epds")
    safety_row = re.search(r'<tr class="safety-item">(.*?)</tr>', epds, re.S).group(1)

    assert "safety item" in safety_row
    assert cells(safety_row) == ["0", "0", "1"]
    assert "<strong>1</strong>" in safety_row
    assert epds.count('<tr class="safety-item">') == 1


def test_a_reliable_epds_rise_shows_as_a_dashboard_badge(app, make):
    from portal import flag_service

    practitioner = make.practitioner(name="Marieke van Dijk")
    practitioner.locale = "en"
    mother = make.client(practitioner=practitioner, name="Eva Wit")
    add_response(mother, "epds", [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], "few_symptoms", 30)
    add_response(mother, "epds", [1, 1, 1, 1, 1, 1, 1, 0, 0, 0], "few_symptoms", 1)
    db.session.commit()
    flag_service.evaluate_client(mother)
    db.session.commit()
    test_client = app.test_client()
    login(test_client, practitioner)

    html = test_client.get("/practice/").get_data(as_text=True)

    # 3 -> 7: a reliable rise, though both totals are in the lowest band.
    badge = html[html.index('class="badge low" title="Low: EPDS rose reliably') :]
    assert '<span class="rule">Low: EPDS rose reliably (≥ 4 points)</span>' in badge
    assert '<span class="flag-age">' in badge.split("</a>")[0]
    page = test_client.get(f"/practice/clients/{mother.id}").get_data(as_text=True)
    assert "EPDS total rose from 3 on" in page and "to 7 on" in page
    assert "(her lowest in the 90 days before)" in page
