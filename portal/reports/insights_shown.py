"""Remember which findings her progress page showed her, so one that goes leaves a trace.

A finding can disappear when more days are logged or a day is edited. For
``RECENTLY_SHOWN_DAYS`` days after it was last shown, the section then says "earlier we saw...,
in the days shown now we no longer see it" instead of dropping it without a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import InsightShown
from portal.reports.insight_lines import RECENTLY_SHOWN_DAYS


def recently_shown(client_id: int, today: date) -> list[tuple[str, str]]:
    """Return the (activity, measure) findings shown to her in the last 14 days, newest first."""
    rows = db.session.execute(
        sa.select(InsightShown.activity, InsightShown.measure)
        .where(
            InsightShown.client_id == client_id,
            InsightShown.last_shown >= today - timedelta(days=RECENTLY_SHOWN_DAYS),
        )
        .order_by(InsightShown.last_shown.desc(), InsightShown.id)
    )
    return [(activity, measure) for activity, measure in rows]


def remember_shown(client_id: int, shown: Iterable[tuple[str, str]], today: date) -> None:
    """Record that her page showed these findings today (one row per finding, kept current)."""
    shown = list(dict.fromkeys(shown))
    if not shown:
        return
    existing = {
        (row.activity, row.measure): row
        for row in db.session.scalars(
            sa.select(InsightShown).where(InsightShown.client_id == client_id)
        )
    }
    for activity, measure in shown:
        row = existing.get((activity, measure))
        if row is None:
            db.session.add(
                InsightShown(
                    client_id=client_id, activity=activity, measure=measure, last_shown=today
                )
            )
        elif row.last_shown < today:
            row.last_shown = today
    db.session.flush()
