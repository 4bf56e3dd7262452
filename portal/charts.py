"""Draw the portal's charts as self-contained SVG, for the browser and the PDF alike.

Every chart is rendered by pygal and then trimmed to a standalone SVG document:
no XML declaration, no ``<script>``, no comments, no external references. The
browser shows it through ``<img src="data:...">`` (allowed by a strict CSP with
``img-src 'self' data:``) and WeasyPrint reads the same data URI.

Series are told apart without colour: each has its own dash pattern and its own
marker (filled, hollow, half-tone or dashed ring), mirrored in the legend swatch.
Long charts and sparklines mark only the days a line cannot show, which keeps the
chart readable and rendering fast (a dashboard draws ~150 sparklines).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pygal
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style
from pygal.svg import Svg

# What a data URI in a double-quoted attribute may hold unencoded: not %, #, <, >, ", & or \\.
URI_SAFE = " !$'()*+,-./:;=?@[]^_`{|}~"
SVG_SIZE = re.compile(r'<svg[^>]*? width="(\d+)" height="(\d+)"')
LONG_DECIMAL = re.compile(r"(\d\.\d)\d{2,}")

__all__ = [
    "Chart",
    "ChartLink",
    "Series",
    "Strip",
    "line_chart",
    "rolling_average",
    "SparkShape",
    "spark_shape",
    "sparkline",
    "strip_chart",
    "trend_summary",
    "trend_words",
]

FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
MAX_X_LABELS = 8
MAX_Y_LABELS = 7

# Dark colours (contrast with white >= 7:1, distinct hues) so that every
# series stays legible printed in greyscale; dashes and markers carry the meaning.
_COLOURS = ("#000000", "#0b4f8a", "#8a3300", "#1d5e33")
_SPARK_COLOUR = "#0b4f8a"

# Charts longer than this mark only the days a line cannot show (a logged day
# between two gaps): a marker per day is clutter on a month and doubles the render time of the
# practitioner's client page, which draws 30-day charts on every view.
MARK_EVERY_DAY_UP_TO = 14


@dataclass(frozen=True)
class _SeriesLook:
    """How one series is drawn, so that it reads without colour."""

    dasharray: str  # line pattern
    dots_size: float  # marker radius
    marker_fill: str | None  # None: filled with the series colour
    marker_dasharray: str = "none"  # a dashed ring for the fourth series


_LOOKS = (
    _SeriesLook("none", 3.0, None),  # solid line, filled disc
    _SeriesLook("7,4", 3.5, "#ffffff"),  # dashed line, hollow ring
    _SeriesLook("2,3", 3.5, "#bbbbbb"),  # dotted line, half-tone disc
    _SeriesLook("9,3,2,3", 4.0, "#ffffff", "2,1.5"),  # dash-dot line, dashed ring
)


def _line_chart_css() -> str:
    """Build the static per-series CSS: dash patterns, markers, legend swatches.

    Series k is drawn by two pygal series: 2k (the line) and 2k+1 (markers for the
    days the line cannot show). ``!important`` beats pygal's id-prefixed rules.
    """
    rules = [
        ".series .line{stroke-linecap:round;stroke-linejoin:round}",
        ".legends .legend rect{stroke-width:2!important}",
    ]
    for index, look in enumerate(_LOOKS):
        line, extra = index * 2, index * 2 + 1
        rules.append(f".serie-{line} .line{{stroke-dasharray:{look.dasharray}}}")
        marker = [f"stroke-dasharray:{look.marker_dasharray}!important"]
        if look.marker_fill:
            marker += [f"fill:{look.marker_fill}!important", "stroke-width:2!important"]
        rules.append(f".serie-{line} .dot,.serie-{extra} .dot{{{';'.join(marker)}}}")
        # The legend swatch shows the marker's fill with the line's pattern as outline.
        swatch = [f"stroke-dasharray:{look.dasharray.replace('none', '0')}!important"]
        if look.marker_fill:
            swatch.append(f"fill:{look.marker_fill}!important")
        rules.append(f"#activate-serie-{line} rect{{{';'.join(swatch)}}}")
    return "".join(rules)


# pygal's style.css/graph.css are templated per chart (~1.4 ms); a sparkline needs
# only this, which keeps it near pygal's floor.
_SPARK_CSS = (
    ".background{fill:#fff}"
    f".line{{fill:none;stroke:{_SPARK_COLOUR};stroke-width:1.5;"
    "stroke-linejoin:round;stroke-linecap:round}"
    f".dot{{fill:{_SPARK_COLOUR};stroke:none}}"
    ".tooltip{display:none}"
)

_STYLE_OPTIONS = dict(
    font_family=FONT_FAMILY,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#000000",
    foreground_strong="#000000",
    foreground_subtle="#404040",
    colors=tuple(colour for colour in _COLOURS for _ in range(2)),  # line + its markers
    opacity="1",
    opacity_hover="1",
    stroke_opacity="1",
    stroke_opacity_hover="1",
    stroke_width="2",
    stroke_width_hover="2",
    transition="0s",
    title_font_size=15,
    legend_font_size=13,
    label_font_size=12,
    major_label_font_size=12,
    guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
    guide_stroke_color="#c8c8c8",
    major_guide_stroke_color="#c8c8c8",
)
_STYLE = Style(**_STYLE_OPTIONS)


@lru_cache(maxsize=32)
def _style(colours: tuple[str, ...], label_font_size: int) -> Style:
    """Return the chart style with its own series colours and label size."""
    options = dict(_STYLE_OPTIONS, colors=tuple(c for colour in colours for c in (colour, colour)))
    if label_font_size != _STYLE_OPTIONS["label_font_size"]:
        options.update(
            label_font_size=label_font_size,
            major_label_font_size=label_font_size,
            legend_font_size=label_font_size,
            title_font_size=label_font_size + 2,
        )
    return Style(**options)


# Options shared by every chart: static look only, never user data. pygal deep-copies
# a Config for each chart, so per-chart values passed as keywords never leak back here.
_COMMON = dict(
    style=_STYLE,
    js=[],  # no pygal tooltips script (it would be fetched from the network)
    disable_xml_declaration=True,
    allow_interruptions=True,  # None breaks the line instead of joining across it
    explicit_size=True,
    no_data_text="",
    show_x_guides=False,
    print_values=False,
    tooltip_fancy_mode=False,
    truncate_legend=-1,
    truncate_label=-1,
)

_LINE_CONFIG = pygal.Config(
    **_COMMON,
    css=["file://style.css", "file://graph.css", "inline:" + _line_chart_css()],
    legend_at_bottom=True,
    legend_box_size=14,
    show_minor_x_labels=False,
    x_labels_major_count=MAX_X_LABELS,
    margin=12,
    spacing=8,
)

_SPARK_CONFIG = pygal.Config(
    **_COMMON,
    css=["inline:" + _SPARK_CSS],
    width=120,
    height=28,
    show_legend=False,
    show_x_labels=False,
    show_y_labels=False,
    show_y_guides=False,
    show_dots=False,
    dots_size=1.75,
    margin=2,
    spacing=0,
)


@dataclass(frozen=True)
class Series:
    """One line of a chart: a label and one value per day, None where nothing was logged."""

    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    """A rendered chart: standalone SVG text and its text alternative."""

    svg: str
    alt: str
    # The one-line summary alone, for a visible caption beside the image.
    summary: str = ""

    def data_uri(self) -> Markup:
        """Return the SVG as a data URI for an ``<img src="...">``, percent-encoded.

        Not base64: SVG is text, and as text it compresses with the page (a history page's
        five charts send 5 KB instead of 10). Only what a URL or a double-quoted attribute
        cannot hold is encoded, so the result is safe in such an attribute as it is.
        """
        return Markup("data:image/svg+xml," + urllib.parse.quote(self.svg, safe=URI_SAFE))

    @property
    def src(self) -> Markup:
        """What an ``<img>`` shows: the chart itself, inside the page."""
        return self.data_uri()

    def size(self) -> tuple[int, int]:
        """Return the width and height the chart was drawn at."""
        found = SVG_SIZE.search(self.svg)
        return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


@dataclass(frozen=True)
class ChartLink:
    """A chart drawn at an address of its own: the page carries its words at once, and the
    picture follows without weighing on the page's first round trip (a lazy ``<img>``)."""

    alt: str
    summary: str
    url: str
    width: int = 640
    height: int = 240

    @property
    def src(self) -> str:
        return self.url


def _day_month(day: date) -> str:
    """Format a day as a short numeric day-month label, e.g. ``14-3``."""
    return f"{day.day}-{day.month}"


def _checked_range(y_range: tuple[float, float]) -> tuple[float, float]:
    """Return the scale's (low, high), refusing one that does not rise."""
    low, high = y_range
    if not high > low:
        raise ValueError(f"y_range must rise, got {y_range!r}")
    return low, high


def _y_labels(y_range: tuple[float, float]) -> list[float]:
    """Pick evenly spaced, round y labels that span the scale."""
    low, high = _checked_range(y_range)
    span = high - low
    for step in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if span / step <= MAX_Y_LABELS - 1:
            break
    else:
        step = span / (MAX_Y_LABELS - 1)
    labels = []
    value = low
    while value <= high + step / 1000:
        labels.append(int(value) if float(value).is_integer() else value)
        value += step
    return labels


def _lone_days(values: list[float | None]) -> list[float | None]:
    """Keep only the logged values with no logged neighbour, which a line cannot show."""
    last = len(values) - 1
    return [
        value
        if value is not None
        and (index == 0 or values[index - 1] is None)
        and (index == last or values[index + 1] is None)
        else None
        for index, value in enumerate(values)
    ]


def _is_svg(node: object, name: str) -> bool:
    """Tell whether an element is the named SVG element (pygal may use lxml or xml.etree)."""
    tag = getattr(node, "tag", None)
    return tag == name or tag == f"{{{Svg.ns}}}{name}"


def _finish(chart: pygal.Line, alt: str) -> str:
    """Render the chart and strip what a standalone, offline SVG must not carry."""
    root = chart.render_tree()
    for node in list(root):
        if node.tag is etree.Comment:  # pygal's banner comments hold http:// links
            root.remove(node)
        elif _is_svg(node, "defs"):
            for child in list(node):
                if _is_svg(child, "script"):  # pygal writes its config as JS even with js=[]
                    node.remove(child)
        elif _is_svg(node, "title"):
            node.text = alt
    # pygal's tooltip data: an <img> never shows tooltips, and it is a third of the text.
    for parent in root.iter():
        for child in list(parent):
            if _is_svg(child, "desc"):
                parent.remove(child)
    svg = etree.tostring(root, encoding="unicode")
    # Each chart is a document of its own, so one fixed id serves them all; pygal's random
    # one made the same 3 KB of styles differ from chart to chart, which no compressor shares.
    svg = svg.replace(f"chart-{chart.uuid}", "chart")
    # Coordinates to a tenth of a pixel, not a billionth.
    return LONG_DECIMAL.sub(r"\1", svg)


def _legend_columns(series: Sequence[Series], width: int, font_size: int) -> int:
    """Return how many legend entries fit side by side with none of them cut off.

    pygal divides the width by its entries, counting the unnamed marker series too: on a
    phone-sized chart "Gemiddelde over 7 dagen" was cut to "...7 dag". An entry needs its
    swatch, a gap and its text (DejaVu Sans averages under 0.62 em per character).
    """
    longest = max((len(one.label) for one in series), default=0)
    needed = longest * font_size * 0.62 + 14 + 16
    return max(1, min(len(series), int((width - 24) // needed)))


def line_chart(
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    *,
    y_range: tuple[float, float],
    summary: str,
    width: int = 640,
    height: int = 240,
    day_label: Callable[[date], str] = _day_month,
    colours: Sequence[str] | None = None,
    label_font_size: int = 12,
) -> Chart:
    """Draw daily values of up to four series against a fixed y scale.

    ``days`` are consecutive calendar days, one per value in every series.
    ``day_label`` formats an x label (pass a Babel formatter for localised dates).
    ``colours`` gives each series its colour (default: black, blue, brown, green);
    ``label_font_size`` is in SVG pixels, so draw at the width the chart is shown.
    """
    if len(series) > len(_LOOKS):
        raise ValueError(f"at most {len(_LOOKS)} series can be told apart, got {len(series)}")
    for one in series:
        if len(one.values) != len(days):
            raise ValueError(
                f"series {one.label!r} has {len(one.values)} values for {len(days)} days"
            )
    _checked_range(y_range)
    alt = f"{title}: {summary}" if summary else title
    mark_every_day = len(days) <= MARK_EVERY_DAY_UP_TO
    style = _STYLE
    if colours is not None or label_font_size != _STYLE_OPTIONS["label_font_size"]:
        style = _style(tuple(colours or _COLOURS), label_font_size)
    chart = pygal.Line(
        _LINE_CONFIG,
        style=style,
        title=title,
        width=width,
        height=height,
        range=y_range,
        y_labels=_y_labels(y_range) if days else None,  # pygal fails on labels with no data
        x_labels=[day_label(day) for day in days],
        show_legend=len(series) > 1,
        legend_at_bottom_columns=_legend_columns(series, width, label_font_size),
    )
    for index, one in enumerate(series):
        values = list(one.values)
        dots_size = _LOOKS[index].dots_size
        chart.add(one.label, values, show_dots=mark_every_day, dots_size=dots_size)
        # Always added, even empty, so that series k keeps pygal indexes 2k and 2k+1.
        lone = [None] * len(values) if mark_every_day else _lone_days(values)
        chart.add(None, lone, stroke=False, show_dots=True, dots_size=dots_size)
    return Chart(svg=_finish(chart, alt), alt=alt, summary=summary)


def sparkline(
    values: Sequence[float | None],
    *,
    y_range: tuple[float, float],
    label: str,
    summary: str = "",
) -> Chart:
    """Draw a tiny (120x28) line of daily values for a dashboard row."""
    alt = f"{label}: {summary}" if summary else label
    values = list(values)
    lone = [index for index, value in enumerate(_lone_days(values)) if value is not None]
    options = {}
    if lone:
        # Dot only the lone days, through pygal's "major dots": a second series would
        # cost ~1 ms more. The x labels are never shown; they only name the days.
        options = dict(
            show_dots=True,
            show_only_major_dots=True,
            x_labels=[str(index) for index in range(len(values))],
            x_labels_major=[str(index) for index in lone],
        )
    chart = pygal.Line(_SPARK_CONFIG, range=_checked_range(y_range), **options)
    chart.add(label, values)
    return Chart(svg=_finish(chart, alt), alt=alt)


@dataclass(frozen=True)
class SparkShape:
    """A sparkline as SVG geometry: one polyline per run of logged days, a dot per lone day."""

    width: int
    height: int
    lines: list[str]  # each a polyline's "x,y x,y ..." points
    dots: list[tuple[float, float]]


def spark_shape(
    values: Sequence[float | None],
    *,
    y_range: tuple[float, float],
    width: int = 120,
    height: int = 28,
    pad: float = 3.0,
) -> SparkShape:
    """Place daily values in a width x height box, breaking the line where days are missing.

    Inline SVG this small needs no chart library: the dashboard draws it in the page itself,
    so its 75-150 sparklines cost no request of their own.
    """
    low, high = _checked_range(y_range)
    values = list(values)
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    # y = bottom - share of the scale * inner height, the value held inside the scale. Inlined:
    # a dashboard page places ~2,000 points, and a function call per point was a third of it.
    span, bottom, inner = high - low, height - pad, height - 2 * pad

    lines: list[str] = []
    dots: list[tuple[float, float]] = []
    run: list[tuple[float, float]] = []
    for index, value in enumerate([*values, None]):
        if value is not None:
            clamped = low if value < low else high if value > high else value
            x = round(pad + index * step, 1)
            run.append((x, round(bottom - (clamped - low) / span * inner, 1)))
            continue
        if len(run) == 1:
            dots.append(run[0])
        elif run:
            lines.append(" ".join([f"{x:g},{y:g}" for x, y in run]))
        run = []
    return SparkShape(width=width, height=height, lines=lines, dots=dots)


def rolling_average(values: Sequence[float | None], window: int = 7) -> list[float | None]:
    """Average each day with the days before it in the window, skipping days not logged."""
    averages: list[float | None] = []
    for index in range(len(values)):
        logged = [v for v in values[max(0, index - window + 1) : index + 1] if v is not None]
        averages.append(round(sum(logged) / len(logged), 2) if logged else None)
    return averages


def _format_gettext(message: str, **variables: object) -> str:
    """Fill in a message untranslated, the way flask-babel's gettext does."""
    return message % variables


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


def trend_summary(
    label: str,
    values: Sequence[float | None],
    *,
    gettext: Callable[..., str] = _format_gettext,
    format_number: Callable[[float], str] = _one_decimal,
    min_change: float = 0.1,
) -> str:
    """Say in one line whether the logged values rose, fell or stayed level.

    Compares the mean of the first half of the logged values with the mean of the
    second half (the middle value of an odd count is left out), each rounded to one
    decimal. A change smaller than ``min_change`` counts as level. Pass flask-babel's
    ``gettext`` to translate and, say, ``lambda x: format_decimal(x, "0.0")`` to
    localise the numbers.
    """
    trend = _trend(values, min_change)
    if trend is None:
        return gettext("No data for %(label)s", label=label)
    kind, start, end = trend
    if kind == "level":
        return gettext("%(label)s stayed around %(value)s", label=label, value=format_number(start))
    if kind == "rose":
        return gettext(
            "%(label)s rose from %(start)s to %(end)s",
            label=label,
            start=format_number(start),
            end=format_number(end),
        )
    return gettext(
        "%(label)s fell from %(start)s to %(end)s",
        label=label,
        start=format_number(start),
        end=format_number(end),
    )


def trend_words(
    values: Sequence[float | None],
    *,
    gettext: Callable[..., str] = _format_gettext,
    format_number: Callable[[float], str] = _one_decimal,
    min_change: float = 0.1,
) -> str:
    """Say the trend without naming the measure ("fell from 4 to 2"), for text led by its label."""
    trend = _trend(values, min_change)
    if trend is None:
        return gettext("nothing logged")
    kind, start, end = trend
    if kind == "level":
        return gettext("stayed around %(value)s", value=format_number(start))
    if kind == "rose":
        return gettext(
            "rose from %(start)s to %(end)s", start=format_number(start), end=format_number(end)
        )
    return gettext(
        "fell from %(start)s to %(end)s", start=format_number(start), end=format_number(end)
    )


def _trend(values: Sequence[float | None], min_change: float) -> tuple[str, float, float] | None:
    """Return ("level", mean, mean), ("rose"|"fell", start, end), or None when nothing is logged."""
    logged = [value for value in values if value is not None]
    if not logged:
        return None
    half = len(logged) // 2
    if half == 0:
        start = end = logged[0]
    else:
        start = sum(logged[:half]) / half
        end = sum(logged[-half:]) / half
    # Compare in whole tenths, as shown, so 3.1 vs 3.0 is a change of exactly one tenth.
    start_tenths, end_tenths = round(start * 10), round(end * 10)
    start, end = start_tenths / 10, end_tenths / 10
    change = end_tenths - start_tenths
    if change == 0 or abs(change) < min_change * 10 - 1e-9:
        level = round(sum(logged) / len(logged), 1)
        return ("level", level, level)
    return ("rose" if change > 0 else "fell", start, end)


@dataclass(frozen=True)
class Strip:
    """One row of a strip chart: a label and the values of the days in it (no order)."""

    label: str
    values: Sequence[float]


# How far a dot may move aside from its value, in dot widths, before it is drawn on top of
# another: enough for half a year of days on one row at 400 pixels.
_SWARM_MAX_ASIDE = 12
_SWARM_BAND = 0.45


def _beeswarm(
    values: Sequence[float], diameter: float, unit_x: float, unit_y: float
) -> list[tuple[float, float, float]]:
    """Place each value's dot where it covers no other: (value, x shift, y shift) in data units.

    Dots sit on a lattice of half a dot across and one dot high, so that finding a free spot is
    a few set lookups; a dot moves at most a quarter of its width to meet the lattice. Dots are
    placed in order of value at the free spot nearest their value: up and down within the
    band first, then a dot's width aside, then two, and so on.
    """
    half = diameter / 2
    rows = max(0, int(_SWARM_BAND * unit_y / diameter))
    heights = [0] + [sign * k for k in range(1, rows + 1) for sign in (1, -1)]
    asides = [0] + [sign * 2 * k for k in range(1, _SWARM_MAX_ASIDE + 1) for sign in (1, -1)]
    taken: set[tuple[int, int]] = set()
    placed = []
    for value in sorted(values):
        column = round(value * unit_x / half)
        spot = (column, 0)
        for aside in asides:
            x = column + aside
            for height in heights:
                if (
                    (x, height) not in taken
                    and (x - 1, height) not in taken
                    and (
                        x + 1,
                        height,
                    )
                    not in taken
                ):
                    spot = (x, height)
                    break
            else:
                continue
            break
        taken.add(spot)
        x, height = spot
        placed.append((value, (x * half) / unit_x - value, height * diameter / unit_y))
    return placed


def strip_chart(
    title: str,
    strips: Sequence[Strip],
    *,
    x_range: tuple[float, float],
    summary: str,
    width: int = 400,
    height: int = 190,
) -> Chart:
    """Draw each strip's values as dots on one row, so two groups of days can be compared.

    The dots of a row are laid out as a beeswarm: each day is a dot, and a dot that would
    cover another moves up, down or a little aside within its row's band, deterministically,
    so the same data always draws the same picture and no day hides another (up to
    ``_SWARM_MAX_ASIDE`` dot widths aside). Each row's mean is a short upright bar.
    """
    if len(strips) > len(_LOOKS):
        raise ValueError(f"at most {len(_LOOKS)} strips can be told apart, got {len(strips)}")
    low, high = _checked_range(x_range)
    alt = f"{title}: {summary}" if summary else title
    chart = pygal.XY(
        _LINE_CONFIG,
        title=title,
        width=width,
        height=height,
        stroke=False,
        show_legend=False,
        xrange=(low, high),
        range=(0.4, len(strips) + 0.6),
        x_labels=_y_labels((low, high)),
        y_labels=[
            {"label": strip.label, "value": len(strips) - row} for row, strip in enumerate(strips)
        ],
        show_x_guides=True,
        show_y_guides=False,
    )
    # The plot's size in pixels, roughly (labels left, title above, numbers below), so that
    # dots are laid out a dot's width apart on screen.
    unit_x = max(1.0, (width - 110) / (high - low))
    unit_y = max(1.0, (height - 80) / (len(strips) + 0.2))
    swarms = []
    index = 0
    for row, strip in enumerate(strips):
        level = len(strips) - row
        look = _LOOKS[row]
        points = [
            (value + dx, level + dy)
            for value, dx, dy in _beeswarm(strip.values, 2 * look.dots_size + 2, unit_x, unit_y)
        ]
        # The dots are drawn below, as plain circles: pygal's own dot, with its tooltip
        # texts, costs a millisecond each, and a year holds hundreds of days.
        chart.add(strip.label, [], dots_size=look.dots_size)
        swarms.append((index, look.dots_size, points))
        index += 1
        if strip.values:
            mean = sum(strip.values) / len(strip.values)
            chart.add(
                None,
                [(mean, level - 0.48), (mean, level + 0.48)],
                stroke=True,
                show_dots=False,
                stroke_style={"width": 3},
            )
            index += 1

    def draw_dots(root):
        """Put each strip's dots into its series group, where pygal would have drawn them."""
        overlay = next((node for node in root.iter() if node.get("class") == "plot overlay"), None)
        groups = {child.get("class"): child for child in overlay} if overlay is not None else {}
        for serie, radius, points in swarms:
            group = groups.get(f"series serie-{serie} color-{serie}")
            if group is None:
                continue
            dots = etree.SubElement(group, "g", {"class": "dots"})
            for x, y in points:
                cx, cy = chart.view((x, y))
                etree.SubElement(
                    dots,
                    "circle",
                    {"cx": f"{cx:.2f}", "cy": f"{cy:.2f}", "r": str(radius), "class": "dot"},
                )
        return root

    chart.add_xml_filter(draw_dots)
    return Chart(svg=_finish(chart, alt), alt=alt, summary=summary)


def score_chart(
    title: str,
    days: Sequence[date],
    totals: Sequence[int],
    *,
    boundaries: Sequence[int],
    max_total: int,
    summary: str,
    total_label: str,
    boundary_label: str,
    width: int = 640,
    height: int = 260,
    day_label: Callable[[date], str] = _day_month,
) -> Chart:
    """Draw questionnaire totals on their dates, with the band boundaries as dashed lines.

    Administrations are weeks apart and irregular, so the x axis is time, not one slot per day.
    """
    if len(days) != len(totals):
        raise ValueError(f"{len(totals)} totals for {len(days)} days")
    alt = f"{title}: {summary}" if summary else title
    first = days[0] if days else date.today()
    xs = [(day - first).days for day in days]
    span = max(xs[-1] if xs else 0, 1)
    chart = pygal.XY(
        _LINE_CONFIG,
        title=title,
        width=width,
        height=height,
        xrange=(-span * 0.04, span * 1.04),
        range=(0, max_total),
        x_labels=[{"label": day_label(day), "value": x} for day, x in zip(days, xs, strict=True)],
        y_labels=sorted({0, *boundaries, max_total}),
        show_legend=True,
        show_x_guides=False,
    )
    chart.add(total_label, list(zip(xs, totals, strict=True)), dots_size=_LOOKS[0].dots_size)
    lines: list[tuple[float, float] | None] = []
    for boundary in boundaries:
        # A band starts at its minimum: the line is drawn half a point below it, between scores.
        level = boundary - 0.5
        lines += [(-span * 0.04, level), (span * 1.04, level), None]
    chart.add(boundary_label, lines, show_dots=False, stroke_style={"dasharray": "7,4"})
    return Chart(svg=_finish(chart, alt), alt=alt, summary=summary)
