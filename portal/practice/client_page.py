"""The practitioner's client page: everything it shows, gathered in a bounded number of queries.

The first screen reads from ClientRecord: her open alerts (the flags one event raised, grouped),
her latest EPDS and GAD-7 with their change, her last check-in; then notes, score trends and the
rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _

from portal import audit, labels, measures
from portal.charts import (
    Chart,
    ChartLink,
    Series,
    line_chart,
    trend_summary,
)
from portal.dates import weeks_postpartum
from portal.guidance.services import progress_for
from portal.i18n import format_day
from portal.models import CheckIn, Flag, Note, QuestionnaireResponse, User
from portal.practice import queries
from portal.practice.score_trends import ScoreTrend, score_trends
from portal.practice.scores import (
    SCALE_RANGE,
    ScoreView,
    current_locale,
    fingerprint,
    one_decimal,
    sleep_range,
)
from portal.questionnaires import trends
from portal.questionnaires.instruments import load_instrument
from portal.reports.summary import ProgressSummary, summary_for_header
from portal.templating import LEVEL_LABELS


@dataclass(frozen=True)
class ResponseView:
    """A questionnaire response with its band in words and the safety item picked out."""

    response: QuestionnaireResponse
    instrument_name: str
    score: ScoreView
    item_10: int | None
    safety_answer: bool
    subscales: list[tuple[str, int, int]]

    @property
    def item_10_text(self) -> str:
        """Return the safety item's score in words."""
        return labels.item_10_text(self.item_10) if self.item_10 is not None else ""


@dataclass(frozen=True)
class FlagView:
    flag: Flag
    level_label: str
    rule_label: str
    evidence: str
    since: str | None = None


@dataclass(frozen=True)
class AlertView:
    """The open flags one event raised, handled as one alert: the most urgent reason leads."""

    reasons: list[FlagView]

    @property
    def lead(self) -> FlagView:
        """Return the most urgent reason, whose flag id names the alert in links and forms."""
        return self.reasons[0]

    @property
    def id(self) -> int:
        """Return the alert's id: that of its leading flag."""
        return self.lead.flag.id

    @property
    def level(self) -> str:
        """Return the level of its most urgent reason."""
        return self.lead.flag.level

    @property
    def raised_at(self) -> datetime:
        """Return when it was raised (the earliest of its reasons)."""
        return min(view.flag.raised_at for view in self.reasons)


def group_alerts(views: Sequence[FlagView]) -> list[AlertView]:
    """Group open flags into alerts (one per event), most urgent first, then open longest."""
    groups: dict[str, list[FlagView]] = {}
    for view in views:
        groups.setdefault(view.flag.alert, []).append(view)
    alerts = [
        AlertView(sorted(reasons, key=lambda v: (v.flag.level_rank, v.flag.id)))
        for reasons in groups.values()
    ]
    return sorted(alerts, key=lambda alert: (alert.lead.flag.level_rank, alert.raised_at))


@dataclass(frozen=True)
class LatestScoreView:
    """Her latest score of one instrument, with the change since the one before."""

    instrument: str
    name: str
    score: ScoreView
    previous_total: int | None
    change: trends.Change | None
    safety_answer: bool


def latest_scores(responses: Sequence[ResponseView]) -> list[LatestScoreView]:
    """Return the latest EPDS and GAD-7 (from responses newest first) with their change."""
    latest = []
    for instrument in ("epds", "gad7"):
        mine = [view for view in responses if view.response.instrument == instrument]
        if not mine:
            continue
        newest, previous = mine[0], (mine[1] if len(mine) > 1 else None)
        change = (
            trends.change_between(instrument, previous.score.total, newest.score.total)
            if previous
            else None
        )
        latest.append(
            LatestScoreView(
                instrument=instrument,
                name=labels.short_name(instrument),
                score=newest.score,
                previous_total=previous.score.total if previous else None,
                change=change,
                safety_answer=newest.safety_answer,
            )
        )
    return latest


@dataclass
class ClientRecord:
    """Everything the practitioner's client page shows."""

    client: User
    today: date
    days: int
    first_day: date
    weeks_postpartum: int | None
    charts: list[ChartLink]
    checkins: list[CheckIn]
    responses: list[ResponseView]
    open_flags: list[FlagView]
    closed_flags: list[FlagView]
    notes: list[Note]
    # The reports' summary of the same period (averages, PDF links) and guidance progress.
    summary: ProgressSummary | None = None
    guidance_progress: list[dict] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    # EPDS and GAD-7 over time with reliable change, and their items across administrations.
    score_trends: list[ScoreTrend] = field(default_factory=list)
    # The open flags grouped by the event that raised them, and her latest scores.
    open_alerts: list[AlertView] = field(default_factory=list)
    latest_scores: list[LatestScoreView] = field(default_factory=list)

    @property
    def last_checkin(self) -> CheckIn | None:
        """Return her latest check-in of the period."""
        return self.checkins[0] if self.checkins else None


def _response_view(response: QuestionnaireResponse, locale: str) -> ResponseView:
    try:
        instrument = load_instrument(response.instrument)
    except KeyError:
        instrument = None
    band = None
    if instrument is not None:
        band = next((b for b in instrument.bands if b.key == response.band), None)
    fallback = band.label(locale) if band else response.band
    score = ScoreView(
        total=response.total,
        band_label=labels.staff_band_label(response.instrument, response.band, fallback),
        band_level=band.level if band else 0,
        safety=response.safety,
        submitted_at=response.submitted_at,
        text=labels.staff_score_text(
            response.instrument, response.total, response.band, fallback
        ),
        wording_note=labels.wording_note(response.wording, response.wording_validated),
    )
    item_10 = labels.item_10(response.instrument, response.item_scores)
    subscales = []
    if instrument is not None:
        for subscale in instrument.subscales:
            if subscale.key in (response.subscales or {}):
                subscales.append(
                    (subscale.label(locale), response.subscales[subscale.key], subscale.max)
                )
    return ResponseView(
        response=response,
        instrument_name=instrument.name if instrument else response.instrument,
        score=score,
        item_10=item_10,
        safety_answer=item_10 is not None and item_10 >= 1,
        subscales=subscales,
    )


def _flag_view(flag: Flag, responses: Sequence[labels.LaterScore] = ()) -> FlagView:
    since = None
    if flag.is_open:
        since = labels.later_scores_in_words(flag, labels.later_scores(flag, responses))
    return FlagView(
        flag=flag,
        level_label=str(LEVEL_LABELS.get(flag.level, flag.level)),
        rule_label=labels.rule_label(flag.rule, flag.level),
        evidence=labels.evidence_in_words(flag),
        since=since,
    )


def _day_label(day: date) -> str:
    return format_day(day, "d MMM")


CLIENT_CHARTS = ("scales", "sleep")


def _chart_series(checkins: Sequence[CheckIn], first_day: date, today: date):
    days = [first_day + timedelta(days=offset) for offset in range((today - first_day).days + 1)]
    by_day = {checkin.day: checkin for checkin in checkins}

    def values(name: str) -> list:
        return [getattr(by_day[day], name) if day in by_day else None for day in days]

    scales = [
        Series(str(measures.name(key)), values(key))
        for key in ("mood", "tension", "energy", "bonding")
    ]
    sleep = Series(_("%(measure)s (hours)", measure=measures.name("sleep_hours")),
                   values("sleep_hours"))
    return days, {
        "scales": (
            _("Mood, tension, energy and bonding (1 to 5)"),
            scales,
            SCALE_RANGE,
            "; ".join(
                trend_summary(one.label, one.values, gettext=_, format_number=one_decimal)
                for one in scales
            ),
        ),
        "sleep": (
            _("Hours of sleep"),
            [sleep],
            sleep_range(sleep.values),
            trend_summary(sleep.label, sleep.values, gettext=_, format_number=one_decimal),
        ),
    }


def client_chart_links(
    client_id: int, checkins: Sequence[CheckIn], first_day: date, today: date
) -> list[ChartLink]:
    """Describe the period's charts in words, with the address that draws each one."""
    _days, charts = _chart_series(checkins, first_day, today)
    days = (today - first_day).days + 1
    links = []
    for name in CLIENT_CHARTS:
        title, series, _y_range, summary = charts[name]
        version = fingerprint([value for one in series for value in one.values])
        url = url_for("practice.client_chart", client_id=client_id, name=name, days=days,
                      v=version)
        links.append(ChartLink(alt=f"{title}: {summary}", summary=summary, url=url))
    return links


def client_chart(client: User, name: str, days: int, today: date) -> Chart:
    """Draw one chart of the client page (the four scales, or sleep) for `days` days."""
    first_day = today - timedelta(days=days - 1)
    checkins = queries.checkins_between(client.id, first_day, today)
    day_list, charts = _chart_series(checkins, first_day, today)
    title, series, y_range, summary = charts[name]
    keys = ("mood", "tension", "energy", "bonding") if name == "scales" else ("sleep_hours",)
    return line_chart(title, day_list, series, y_range=y_range, summary=summary,
                      day_label=_day_label, colours=[measures.colour(key) for key in keys])


def client_record(client: User, days: int, today: date) -> ClientRecord:
    """Gather the client page for a period of `days` days up to today."""
    first_day = today - timedelta(days=days - 1)
    checkins = queries.checkins_between(client.id, first_day, today)
    locale = current_locale()
    responses = queries.questionnaire_history(client.id)
    scores = [labels.as_later_score(response) for response in responses]
    flag_views = [_flag_view(flag, scores) for flag in queries.flag_history(client.id)]
    notes = queries.notes_for(client.id)
    editor_ids = {rev.edited_by_id for note in notes for rev in note.revisions if rev.edited_by_id}
    profile = client.profile
    response_views = [_response_view(response, locale) for response in responses]
    open_views = [view for view in flag_views if view.flag.is_open]
    return ClientRecord(
        client=client,
        today=today,
        days=days,
        first_day=first_day,
        weeks_postpartum=weeks_postpartum(profile.delivery_date if profile else None, today),
        charts=client_chart_links(client.id, checkins, first_day, today),
        checkins=checkins,
        responses=response_views,
        open_flags=open_views,
        open_alerts=group_alerts(open_views),
        latest_scores=latest_scores(response_views),
        closed_flags=[view for view in flag_views if not view.flag.is_open],
        notes=notes,
        summary=summary_for_header(client, days),
        guidance_progress=progress_for(client),
        names=queries.names_by_id(editor_ids),
        score_trends=score_trends(responses, locale, client.timezone or "Europe/Amsterdam"),
    )


def record_view(client: User, days: int) -> None:
    """Log that the current user looked at a client's record."""
    audit.record("client_record_viewed", client=client, detail=f"period {days} days")
