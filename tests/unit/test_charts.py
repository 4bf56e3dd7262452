"""The chart renderer: standalone offline SVG, gaps for unlogged days, summaries, PDF use."""

import logging
import re
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from markupsafe import Markup

from portal import charts
from portal.charts import Chart, Series, line_chart, sparkline, trend_summary

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
START = date(2024, 3, 1)


def days(count: int) -> list[date]:
    return [START + timedelta(days=offset) for offset in range(count)]


def week_chart() -> Chart:
    return line_chart(
        "Mood and anxiety",
        days(7),
        [Series("Mood", [2, 3, None, 4, 4, None, 5]), Series("Anxiety", [4, 4, 3, 3, 2, 2, 1])],
        y_range=(1, 5),
        summary="Mood rose from 2.5 to 4.5",
    )


def quarter_chart() -> Chart:
    four = [
        Series(
            name, [None if (day + shift) % 5 == 0 else 1 + (day + shift) % 5 for day in range(90)]
        )
        for shift, name in enumerate(["Mood", "Anxiety", "Energy", "Sleep quality"])
    ]
    return line_chart("Last 90 days", days(90), four, y_range=(1, 5), summary="Mostly level")


def mood_sparkline() -> Chart:
    return sparkline([3, 4, None, 2, None, None, 5, 4], y_range=(1, 5), label="Mood")


def empty_chart() -> Chart:
    return line_chart("Sleep", days(5), [Series("Sleep", [None] * 5)], y_range=(0, 12), summary="")


ALL_CHARTS = [week_chart, quarter_chart, mood_sparkline, empty_chart]


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg)


def line_paths(root: ET.Element, serie: int) -> list[ET.Element]:
    """Return the line paths drawn for pygal series number ``serie``."""
    return [
        path
        for group in root.iter(f"{SVG}g")
        if f"serie-{serie}" in group.get("class", "").split()
        for path in group.iter(f"{SVG}path")
        if "line" in path.get("class", "").split()
    ]


def dots(root: ET.Element) -> list[ET.Element]:
    return [c for c in root.iter(f"{SVG}circle") if "dot" in c.get("class", "").split()]


@pytest.mark.parametrize("make", ALL_CHARTS)
def test_svg_is_a_standalone_offline_document(make):
    chart = make()
    root = parse(chart)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert not chart.svg.lstrip().startswith("<?xml")
    assert "<script" not in chart.svg.lower()
    assert "<!--" not in chart.svg
    assert set(re.findall(r"https?://[^\s\"'<>)]*", chart.svg)) <= NAMESPACES
    assert "href" not in chart.svg
    assert "@import" not in chart.svg
    assert "url(" not in chart.svg


@pytest.mark.parametrize("make", ALL_CHARTS)
def test_svg_names_the_font_stack_and_title(make):
    chart = make()
    assert "DejaVu Sans" in chart.svg
    assert parse(chart).find(f"{SVG}title").text == chart.alt


def test_alt_joins_title_and_summary():
    assert week_chart().alt == "Mood and anxiety: Mood rose from 2.5 to 4.5"
    assert empty_chart().alt == "Sleep"
    assert mood_sparkline().alt == "Mood"
    assert sparkline([3], y_range=(1, 5), label="Mood", summary="level").alt == "Mood: level"


def test_unlogged_days_break_the_line():
    root = parse(week_chart())
    # Mood [2, 3, None, 4, 4, None, 5]: two line pieces; the lone last day only a marker.
    mood = line_paths(root, 0)
    assert len(mood) == 2
    assert all(path.get("d").count("L") == 1 for path in mood)
    # Anxiety was logged every day: one unbroken line.
    assert len(line_paths(root, 2)) == 1


def test_sparkline_gaps_and_lone_days():
    root = parse(mood_sparkline())
    # [3, 4, None, 2, None, None, 5, 4]: lines 3-4 and 5-4, the lone 2 as a marker.
    assert len(line_paths(root, 0)) == 2
    assert len(dots(root)) == 1


def test_sparkline_marks_lone_first_and_last_days_only():
    root = parse(sparkline([4, None, 3, 3, 2, None, 2], y_range=(1, 5), label="Mood"))
    assert len(line_paths(root, 0)) == 1
    first, last = dots(root)
    assert float(first.get("cx")) < 10 < 110 < float(last.get("cx"))
    assert float(first.get("cy")) < 12 < float(last.get("cy"))  # 4 above mid-scale, 2 below
    assert dots(parse(sparkline([3, 4, 5], y_range=(1, 5), label="Mood"))) == []


def test_no_value_is_drawn_as_zero():
    root = parse(sparkline([None, 3, None], y_range=(1, 5), label="Mood"))
    assert line_paths(root, 0) == []
    (marker,) = dots(root)
    height = 28 - 2 * 2  # margins of 2 around the plot
    assert float(marker.get("cy")) == pytest.approx(height / 2)  # 3 is mid-scale


def test_short_chart_marks_every_logged_day():
    assert len(dots(parse(week_chart()))) == 5 + 7


def test_long_chart_marks_only_days_a_line_cannot_show():
    values = [3.0] * 40
    values[9] = values[11] = None  # day 10 logged alone
    chart = line_chart("Mood", days(40), [Series("Mood", values)], y_range=(1, 5), summary="")
    (marker,) = dots(parse(chart))
    assert len(line_paths(parse(chart), 0)) == 2


def y_labels(chart: Chart) -> list[str]:
    root = parse(chart)
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class", "").split()[:2] == ["axis", "y"])
    return [text.text for text in axis.iter(f"{SVG}text")]


def test_y_axis_is_fixed_to_the_scale():
    narrow = line_chart("Mood", days(3), [Series("Mood", [3, 3, 3])], y_range=(1, 5), summary="")
    assert y_labels(narrow) == ["1", "2", "3", "4", "5"]
    sleep = line_chart("Sleep", days(3), [Series("Sleep", [7, 8, 6])], y_range=(0, 12), summary="")
    assert y_labels(sleep) == ["0", "2", "4", "6", "8", "10", "12"]


def test_x_labels_are_short_and_at_most_eight():
    root = parse(quarter_chart())
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class", "").split()[:2] == ["axis", "x"])
    labels = [text.text for text in axis.iter(f"{SVG}text")]
    assert 2 <= len(labels) <= 8
    assert labels[0] == "1-3"
    assert all(len(label) <= 5 for label in labels)


def test_series_differ_by_dash_pattern_not_colour_alone():
    svg = quarter_chart().svg
    patterns = [
        re.search(rf"\.serie-{2 * index} \.line\{{stroke-dasharray:([^}}]+)\}}", svg).group(1)
        for index in range(4)
    ]
    assert len(set(patterns)) == 4


@pytest.mark.parametrize(
    "make",
    [
        lambda: line_chart("Mood", [], [Series("Mood", [])], y_range=(1, 5), summary=""),
        lambda: line_chart("Mood", [], [], y_range=(1, 5), summary=""),
        lambda: sparkline([], y_range=(1, 5), label="Mood"),
        lambda: sparkline([None, None], y_range=(1, 5), label="Mood"),
    ],
)
def test_empty_periods_render_without_error(make):
    root = parse(make())
    assert dots(root) == []
    assert line_paths(root, 0) == []


def test_series_counts_and_lengths_are_checked():
    with pytest.raises(ValueError, match="2 values for 3 days"):
        line_chart("Mood", days(3), [Series("Mood", [1, 2])], y_range=(1, 5), summary="")
    five = [Series(str(n), [1]) for n in range(5)]
    with pytest.raises(ValueError, match="at most 4"):
        line_chart("Too many", days(1), five, y_range=(1, 5), summary="")
    with pytest.raises(ValueError, match="must rise"):
        sparkline([1], y_range=(5, 1), label="Mood")
    with pytest.raises(ValueError, match="must rise"):
        line_chart("Mood", [], [], y_range=(3, 3), summary="")


def test_shared_config_keeps_no_chart_data():
    week_chart()
    mood_sparkline()
    assert charts._LINE_CONFIG.title is None
    assert charts._LINE_CONFIG.x_labels is None
    assert charts._SPARK_CONFIG.range is None


def test_data_uri_round_trips_and_is_safe_in_a_double_quoted_attribute():
    chart = week_chart()
    prefix = "data:image/svg+xml,"
    uri = chart.data_uri()
    assert uri.startswith(prefix)
    assert urllib.parse.unquote(uri[len(prefix) :]) == chart.svg
    assert not set(uri) & set('"<>&#\\\n')
    assert str(Markup(f'<img src="{uri}">')).count('"') == 2


def test_charts_carry_no_tooltip_data_random_ids_or_long_decimals():
    svg = quarter_chart().svg
    assert "<desc" not in svg
    assert 'id="chart"' in svg and not re.search(r"chart-[0-9a-f]{8}-", svg)
    assert not re.search(r"\d\.\d{3,}", svg)
    # Two charts of the same kind share their styles word for word (pygal gave each a random
    # id), so a page of charts compresses as one.
    styles = [re.search(r"<style[^>]*>(.*?)</style>", c.svg, re.S).group(1)
              for c in (week_chart(), week_chart())]
    assert styles[0] == styles[1]


def test_data_uri_keeps_non_ascii_text():
    chart = line_chart(
        "Geïnduceerde bevalling – één week",
        days(2),
        [Series("Stemming", [3, 4])],
        y_range=(1, 5),
        summary="",
    )
    assert "één" in urllib.parse.unquote(chart.data_uri().split(",", 1)[1])


def test_weasyprint_renders_charts_to_pdf(caplog):
    weasyprint = pytest.importorskip("weasyprint")
    images = "".join(
        f'<p><img src="{chart.data_uri()}" alt="{chart.alt}"></p>'
        for chart in (week_chart(), quarter_chart(), mood_sparkline(), empty_chart())
    )
    html = f"<!doctype html><html lang='nl'><body><h1>Voortgang</h1>{images}</body></html>"
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert [record.getMessage() for record in caplog.records] == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([2, 2, None, 3, 4], "Mood rose from 2.0 to 3.5"),
        ([4.2, 4.0, 3.0, 2.8], "Mood fell from 4.1 to 2.9"),
        ([3, 3.04, 2.98, 3], "Mood stayed around 3.0"),
        ([2, 5, 3], "Mood rose from 2.0 to 3.0"),  # the middle of an odd count is left out
        ([None, 4, None], "Mood stayed around 4.0"),  # a single logged day
        ([None, None], "No data for Mood"),
        ([], "No data for Mood"),
    ],
)
def test_trend_summary_wording(values, expected):
    assert trend_summary("Mood", values) == expected


def test_trend_summary_treats_small_changes_as_level():
    assert trend_summary("Mood", [3.0, 3.2], min_change=0.5) == "Mood stayed around 3.1"
    assert trend_summary("Mood", [3.0, 3.1]) == "Mood rose from 3.0 to 3.1"


def test_trend_summary_goes_through_the_given_gettext_and_number_format():
    seen = []

    def dutch(message, **variables):
        seen.append(message)
        translated = {
            "%(label)s rose from %(start)s to %(end)s": "%(label)s steeg van %(start)s naar %(end)s"
        }
        return translated.get(message, message) % variables

    text = trend_summary(
        "Stemming",
        [2.1, 3.4],
        gettext=dutch,
        format_number=lambda number: f"{number:.1f}".replace(".", ","),
    )
    assert text == "Stemming steeg van 2,1 naar 3,4"
    assert seen == ["%(label)s rose from %(start)s to %(end)s"]


def test_trend_summary_with_no_threshold_still_calls_equal_means_level():
    assert trend_summary("Mood", [3, 3], min_change=0) == "Mood stayed around 3.0"
    assert trend_summary("Mood", [3.0, 3.1], min_change=0) == "Mood rose from 3.0 to 3.1"


def test_rolling_average_skips_days_not_logged_and_leaves_empty_weeks_empty():
    values = [1, None, 3, None, None, None, None, None, None, 5]
    assert charts.rolling_average(values) == [1, 1, 2, 2, 2, 2, 2, 3, 3, 5]
    assert charts.rolling_average([None, None]) == [None, None]


def test_a_chart_can_have_its_own_colour_and_label_size():
    days = [date(2026, 3, 1) + timedelta(days=offset) for offset in range(5)]
    chart = charts.line_chart(
        "Mood", days, [charts.Series("Mood", [3, 4, None, 2, 3])], y_range=(1, 5),
        summary="", colours=("#1f5f8b",), label_font_size=13,
    )
    assert "#1f5f8b" in chart.svg
    assert "font-size:13px" in chart.svg.replace(" ", "")
    plain = charts.line_chart("Mood", days, [charts.Series("Mood", [3, 4, None, 2, 3])],
                              y_range=(1, 5), summary="")
    assert "#1f5f8b" not in plain.svg


def test_spark_shape_breaks_the_line_at_gaps_and_dots_lone_days():
    from portal.charts import spark_shape

    shape = spark_shape([1, 5, None, 3, None], y_range=(1, 5), width=40, height=20, pad=0)
    assert shape.lines == ["0,20 10,0"]  # low at the bottom, high at the top
    assert shape.dots == [(30.0, 10.0)]
    assert spark_shape([None, None], y_range=(1, 5)).lines == []


def test_trend_words_leave_the_label_to_the_caller():
    from portal.charts import trend_words

    assert trend_words([4, 4, None, 2, 2]) == "fell from 4.0 to 2.0"
    assert trend_words([2, 3]) == "rose from 2.0 to 3.0"
    assert trend_words([3, 3]) == "stayed around 3.0"
    assert trend_words([None]) == "nothing logged"


@pytest.mark.parametrize(
    "values",
    [
        # 39 days of a 1-to-5 scale: once about 8 per column, hiding each other.
        [float(1 + (day * 7) % 5) for day in range(39)],
        # Half a year of a 1-to-5 scale on one side: 36 days at each value.
        [float(1 + day % 5) for day in range(180)],
        # Three months of sleep in quarter hours, between 4 and 9 hours.
        [4 + ((day * 13) % 21) / 4 for day in range(90)],
    ],
)
def test_a_strip_chart_draws_every_day_as_a_dot_of_its_own(values):
    chart = charts.strip_chart(
        "Tension",
        [charts.Strip("With", values), charts.Strip("Without", values[: len(values) // 2])],
        x_range=(0, 12) if max(values) > 5 else (1, 5),
        summary="",
    )
    root = ET.fromstring(chart.svg)
    dots = [
        (float(c.get("cx")), float(c.get("cy")), float(c.get("r")))
        for c in root.iter(f"{SVG}circle")
        if "dot" in c.get("class", "").split()
    ]

    assert len(dots) == len(values) + len(values) // 2
    for index, (x, y, radius) in enumerate(dots):
        for other_x, other_y, _ in dots[index + 1 :]:
            # Never on top of each other: centres at least most of a dot apart.
            assert (x - other_x) ** 2 + (y - other_y) ** 2 >= (1.5 * radius) ** 2
