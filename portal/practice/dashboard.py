"""The dashboard: one page of the practitioner's caseload in a fixed number of queries.

The SQL is in portal.practice.queries; this module turns its rows into what the page shows
(alert badges, scores with their change, sparklines) and logs the view.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_timedelta
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal import audit, labels, measures
from portal.charts import (
    SparkShape,
    spark_shape,
    trend_words,
)
from portal.dates import weeks_postpartum
from portal.models import Flag, User
from portal.practice import queries
from portal.practice.scores import (
    SCALE_RANGE,
    ScoreView,
    band_views,
    current_locale,
    score_view,
    sleep_range,
)
from portal.questionnaires import trends
from portal.templating import LEVEL_LABELS


@dataclass(frozen=True)
class FlagBadge:
    """An open alert as the dashboard shows it: its most urgent reason, how many more, its age.

    flag_id is the leading flag's, so the badge links to the alert on her page.
    """

    level: str
    level_label: str
    rule_label: str
    raised_at: datetime
    since: str | None = None
    flag_id: int | None = None
    more: int = 0
    # How long it has been open ("3 hours"), worded with the page's locale in hand.
    age: str = ""


SPARKLINE_MEASURES = ("mood", "sleep", "bonding")


@dataclass(frozen=True)
class Sparkline:
    """A 14-day sparkline: its text alternative and its geometry (None: nothing logged).

    The page draws it as inline SVG from the check-ins it already loaded, so the dashboard is
    complete in one request (as separate images, 25 rows took 1.7-3.6 s more to finish).
    """

    label: str
    alt: str | None
    shape: SparkShape | None
    short_label: str = ""
    html: Markup = Markup("")

    def svg(self) -> Markup:
        """Return the inline SVG, as templates/macros/charts.html draws it, built in Python.

        A dashboard page draws up to 150 of them; a Jinja macro call each cost more than the
        page's SQL. Built once and kept: the template reads it as an attribute, with no call.
        """
        return self.html or _spark_svg(self.alt, self.shape)


def _spark_svg(alt: str | None, shape: SparkShape | None) -> Markup:
    if shape is None:
        return Markup("")
    lines = "".join([f'<polyline points="{points}"/>' for points in shape.lines])
    dots = "".join([f'<circle cx="{x}" cy="{y}" r="2"/>' for x, y in shape.dots])
    return Markup(
        f'<svg class="sparkline" role="img" aria-label="{escape(alt)}" '
        f'width="{shape.width}" height="{shape.height}" '
        f'viewBox="0 0 {shape.width} {shape.height}" focusable="false">{lines}{dots}</svg>'
    )


@dataclass(frozen=True)
class ScoreChange:
    """A latest score's change since the one before: arrow direction and whether reliable."""

    points: int
    direction: str
    reliable: bool


@dataclass(frozen=True)
class DashboardRow:
    client_id: int
    name: str
    weeks_postpartum: int | None
    delivery_type: str | None
    days_since_checkin: int | None
    sparklines: list[Sparkline]
    epds: ScoreView | None
    flags: list[FlagBadge]
    last_checkin_by_practitioner: bool = False
    gad7: ScoreView | None = None
    epds_change: ScoreChange | None = None
    gad7_change: ScoreChange | None = None
    waiting_since: datetime | None = None
    # "Today", "Never", "3 days ago": worded once per row in Python, not in the template.
    last_checkin_text: str = ""
    # How long her message has waited ("2 days"), worded once (the cell shows it twice).
    waiting_text: str = ""


@dataclass(frozen=True)
class Dashboard:
    rows: list[DashboardRow]
    total: int
    page: int
    pages: int
    per_page: int


class _PageTexts:
    """Translations and number format looked up once per page, not once per row.

    A dashboard draws up to 150 sparklines, each with a translated trend sentence; looking the
    catalogue and the locale up for each would cost more than the SQL of the whole page.
    """

    def __init__(self) -> None:
        self.translations = get_translations()
        self.babel_locale = get_locale()
        symbols = self.babel_locale.number_symbols
        # Babel 2.14 keys the symbols by numbering system; older releases do not.
        self.decimal = symbols.get("latn", symbols).get("decimal", ".")
        self.series_labels = (
            _("Mood, last 14 days"),
            _("Sleep, last 14 days"),
            _("Bonding, last 14 days"),
        )
        self.short_labels = tuple(
            str(measures.name(key)) for key in ("mood", "sleep_hours", "bonding")
        )
        self.today, self.never = _("Today"), _("Never")
        self.levels = {level: str(label) for level, label in LEVEL_LABELS.items()}
        self.limits = labels.configured_thresholds()
        self._rules: dict[tuple[str, str], str] = {}
        self._scores: dict[tuple, ScoreView] = {}
        self._days: list[date] | None = None
        self.locale = current_locale()
        self.bands = {"epds": band_views("epds"), "gad7": band_views("gad7")}

    def rule(self, rule: str, level: str) -> str:
        """Return a rule's label for this page, worded once per rule and level."""
        key = (rule, level)
        if key not in self._rules:
            self._rules[key] = labels.rule_label(rule, level, self.limits)
        return self._rules[key]

    def score(self, score) -> ScoreView:
        """Return a score in staff words, worded once per distinct score on the page."""
        key = (score.instrument, score.total, score.band, score.safety, score.item_10,
               score.wording, score.wording_validated)
        if key not in self._scores:
            self._scores[key] = score_view(score, self.bands[score.instrument], self.locale)
        return replace(self._scores[key], submitted_at=score.submitted_at)

    def gettext(self, message: str, **variables) -> str:
        """Translate like flask-babel's gettext, with the catalogue already in hand."""
        text = self.translations.ugettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int) -> str:
        """Translate like flask-babel's ngettext, with the catalogue already in hand."""
        return self.translations.ungettext(singular, plural, num) % {"num": num}

    def days(self, today: date) -> list[date]:
        """Return the sparklines' 14 days up to today, listed once per page."""
        if self._days is None or self._days[-1] != today:
            self._days = _sparkline_days(today)
        return self._days

    def age(self, since: datetime | None, now: datetime) -> str:
        """Say how long ago a moment was, as the template's `age` filter does."""
        if since is None:
            return ""
        return format_timedelta(now - since, threshold=1.5, locale=self.babel_locale)

    def number(self, value: float) -> str:
        """Format a number with one decimal in the page's locale."""
        return f"{value:.1f}".replace(".", self.decimal)


def _sparkline_days(today: date) -> list[date]:
    return [today - timedelta(days=offset) for offset in range(queries.SPARKLINE_DAYS - 1, -1, -1)]


def _sparkline_series(values_by_day: dict, days: list[date]):
    logged = [values_by_day.get(day) for day in days]
    mood = [v.mood if v else None for v in logged]
    sleep = [v.sleep_hours if v else None for v in logged]
    bonding = [v.bonding if v else None for v in logged]
    return {
        "mood": (mood, SCALE_RANGE),
        "sleep": (sleep, sleep_range(sleep)),
        "bonding": (bonding, SCALE_RANGE),
    }


def client_sparklines(
    values_by_day: dict, today: date, texts: _PageTexts | None = None
) -> list[Sparkline]:
    """Describe the 14-day mood, sleep and bonding sparklines of one client."""
    texts = texts or _PageTexts()
    series = _sparkline_series(values_by_day, texts.days(today))
    sparklines = []
    for measure, label, short in zip(
        SPARKLINE_MEASURES, texts.series_labels, texts.short_labels, strict=True
    ):
        values, y_range = series[measure]
        if all(value is None for value in values):
            sparklines.append(Sparkline(label, None, None, short))
            continue
        words = trend_words(values, gettext=texts.gettext, format_number=texts.number)
        shape = spark_shape(values, y_range=y_range)
        alt = f"{label}: {words}"
        sparklines.append(Sparkline(label, alt, shape, short, _spark_svg(alt, shape)))
    return sparklines


def _score_change(score) -> ScoreChange | None:
    if score is None or score.previous_total is None:
        return None
    change = trends.change_between(score.instrument, score.previous_total, score.total)
    return ScoreChange(change.points, change.direction, change.reliable)


def _alert_badges(
    open_flags: list[Flag], scores, texts: _PageTexts, now: datetime
) -> list[FlagBadge]:
    """Group a client's open flags into alerts, one badge each, most urgent first."""
    groups: dict[str, list[Flag]] = {}
    for flag in open_flags:  # most urgent first, so each alert's first flag leads it
        groups.setdefault(flag.alert, []).append(flag)
    badges = []
    for members in groups.values():
        lead = members[0]
        raised_at = min(flag.raised_at for flag in members)
        badges.append(
            FlagBadge(
                level=lead.level,
                level_label=texts.levels.get(lead.level, lead.level),
                rule_label=texts.rule(lead.rule, lead.level),
                raised_at=raised_at,
                age=texts.age(raised_at, now),
                since=labels.later_scores_in_words(lead, labels.later_scores(lead, scores)),
                flag_id=lead.id,
                more=len(members) - 1,
            )
        )
    return badges


def _days_ago(day: date | None, today: date, texts: _PageTexts) -> str:
    if day is None:
        return texts.never
    days = (today - day).days
    if days == 0:
        return texts.today
    return texts.ngettext("%(num)d day ago", "%(num)d days ago", days)


def build_dashboard(
    practitioner: User,
    filters: queries.DashboardFilters,
    today: date,
    now: datetime | None = None,
) -> Dashboard:
    """Gather one page of the practitioner's dashboard in a fixed number of queries."""
    page = queries.client_list_page(practitioner.id, today, filters)
    client_ids = [row.client_id for row in page.rows]
    open_flags = queries.open_flags_by_client(client_ids)
    recent = queries.recent_checkins_by_client(client_ids, today)
    latest = queries.latest_scores_by_client(client_ids)
    waiting = queries.waiting_since_by_client(practitioner.id, client_ids)
    texts = _PageTexts()
    now = now or datetime.now(UTC)
    rows = []
    for row in page.rows:
        scores = latest.get(row.client_id, {})
        epds, gad7 = scores.get("epds"), scores.get("gad7")
        rows.append(
            DashboardRow(
                client_id=row.client_id,
                name=row.full_name,
                weeks_postpartum=weeks_postpartum(row.delivery_date, today),
                delivery_type=row.delivery_type,
                days_since_checkin=(today - row.last_checkin).days if row.last_checkin else None,
                last_checkin_by_practitioner=row.last_checkin_by_practitioner,
                sparklines=client_sparklines(recent.get(row.client_id, {}), today, texts),
                epds=texts.score(epds) if epds else None,
                gad7=texts.score(gad7) if gad7 else None,
                epds_change=_score_change(epds),
                gad7_change=_score_change(gad7),
                flags=_alert_badges(
                    open_flags.get(row.client_id, []),
                    [labels.as_later_score(score) for score in scores.values()],
                    texts,
                    now,
                ),
                waiting_since=waiting.get(row.client_id),
                waiting_text=texts.age(waiting.get(row.client_id), now),
                last_checkin_text=_days_ago(row.last_checkin, today, texts),
            )
        )
    return Dashboard(
        rows=rows, total=page.total, page=page.page, pages=page.pages, per_page=page.per_page
    )


def record_dashboard_view(board: Dashboard) -> None:
    """Log that the current user saw these clients' scores and flags on the dashboard."""
    shown = ", ".join(str(row.client_id) for row in board.rows)
    audit.record("dashboard_viewed", detail=f"clients {shown}" if shown else "clients none")
