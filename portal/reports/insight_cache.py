"""Keep her insight section (and its strip charts) for the day, until she saves a check-in.

Finding what went together with her better days compares every activity with every measure over
the period: on a year of check-ins the largest part of her progress page. Its inputs change only
when she saves a check-in (or a practitioner enters one for her), so the result is stored per
client, local day, period and language, and her saves delete it (`forget`). A row of an earlier
day is never read: a new day starts afresh (and a new release's wording is in use by the
next day at the latest).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.charts import Chart
from portal.extensions import db
from portal.models import InsightCache
from portal.reports.insight_lines import InsightLine, InsightSection


def forget(client_id: int) -> None:
    """Drop what is kept for her: her check-ins changed."""
    db.session.execute(sa.delete(InsightCache).where(InsightCache.client_id == client_id))


def forget_statement() -> sa.CTE:
    """The same as a CTE, for a check-in's upsert on PostgreSQL: pass forget_client_id."""
    return (
        sa.delete(InsightCache)
        .where(InsightCache.client_id == sa.bindparam("forget_client_id"))
        .cte("forgotten_insights")
    )


def section(client_id: int, today: date, key: str, compute: Callable[[], InsightSection]):
    """Return her section for this period and language, computing and keeping it if needed."""
    return _kept(client_id, today, f"section {key}", compute, _section_to_json, _section_from_json)


def charts(client_id: int, today: date, key: str, compute: Callable[[], tuple[Chart, ...]]):
    """Return the strip charts of her section, computing and keeping them if needed."""
    return _kept(
        client_id, today, f"charts {key}", compute,
        lambda drawn: [dataclasses.asdict(chart) for chart in drawn],
        lambda data: tuple(Chart(**chart) for chart in data),
    )


def _kept(client_id, today, key, compute, to_json, from_json):
    payload = db.session.scalar(
        sa.select(InsightCache.payload).where(
            InsightCache.client_id == client_id,
            InsightCache.made_on == today,
            InsightCache.key == key,
        )
    )
    if payload is not None:
        return from_json(json.loads(payload))
    value = compute()
    _keep(client_id, today, key, json.dumps(to_json(value)))
    return value


def _keep(client_id: int, today: date, key: str, payload: str) -> None:
    """Store a result; a concurrent request that stored it first wins (same inputs, same text)."""
    db.session.execute(
        sa.delete(InsightCache).where(
            InsightCache.client_id == client_id, InsightCache.made_on < today
        )
    )
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(InsightCache.__table__)
        .values(client_id=client_id, made_on=today, key=key[:80], payload=payload)
        .on_conflict_do_nothing()
    )


def _section_to_json(found: InsightSection) -> dict:
    return dataclasses.asdict(found)


def _section_from_json(data: dict) -> InsightSection:
    lines = tuple(
        InsightLine(
            **{
                **line,
                "values_with": tuple(line["values_with"]),
                "values_without": tuple(line["values_without"]),
            }
        )
        for line in data["lines"]
    )
    return InsightSection(
        **{
            **data,
            "lines": lines,
            "earlier": tuple(data.get("earlier", ())),
            "shown": tuple(tuple(pair) for pair in data.get("shown", ())),
        }
    )
