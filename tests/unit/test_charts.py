"""SVG charts: proportional, accessible, escaped, translated, and safe with empty data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from datetime import date

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from tracker import labels
from tracker.app import create_app
from tracker.domain.aggregate import Buckets
from tracker.views.charts import bars, donut, trend
from tracker.views.charts.bars import BAR_W
from tracker.views.charts.trend import nice_top

NS = {"s": "http://www.w3.org/2000/svg"}
B = Buckets(
    total=21,
    not_applicable=1,
    completed_on_time=10,
    completed_late=3,
    open_on_track=5,
    open_overdue=2,
    awaiting_confirmation=1,
)
BIG = Buckets(total=1500, completed_on_time=1234, open_overdue=266)


@pytest.fixture(scope="module")
def app():
    """An app without a database: charts only need translations and formatting."""
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )


@contextmanager
def language(app, code="en"):
    with app.test_request_context(), force_locale(code):
        yield


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def segments(element: ET.Element) -> dict[str, float]:
    return {
        r.get("data-bucket"): float(r.get("width"))
        for r in element.iterfind(".//s:rect[@class='chart-segment']", NS)
    }


def test_status_bars_split_each_bar_in_proportion_to_the_buckets(app):
    with language(app):
        root = parse(bars.status_bars([("Tỉnh A", B), ("Bộ B", BIG)], title="Progress"))
    rows = root.findall(".//s:g[@class='chart-row']", NS)
    assert len(rows) == 2
    first = segments(rows[0])
    assert list(first) == ["completed_on_time", "completed_late", "open_overdue", "open_on_track"]
    assert first["completed_on_time"] == pytest.approx(BAR_W * 10 / 20, abs=0.01)
    assert first["completed_late"] == pytest.approx(BAR_W * 3 / 20, abs=0.01)
    assert first["open_overdue"] == pytest.approx(BAR_W * 2 / 20, abs=0.01)
    assert sum(first.values()) == pytest.approx(BAR_W, abs=0.05)
    # A bucket with no assignments draws nothing rather than a zero-width sliver.
    assert set(segments(rows[1])) == {"completed_on_time", "open_overdue"}
    assert segments(rows[1])["completed_on_time"] == pytest.approx(BAR_W * 1234 / 1500, abs=0.01)


def test_status_bars_write_counts_and_rate_beside_each_bar(app):
    with language(app):
        root = parse(bars.status_bars([("Tỉnh A", B), ("Bộ B", BIG)], title="Progress"))
    rows = root.findall(".//s:g[@class='chart-row']", NS)
    assert texts(rows[0])[1:] == ["13/20", "86.67% of 15 due"]
    assert texts(rows[1])[1:] == ["1,234/1,500", "82.27% of 1,500 due"]


def test_a_rate_never_stands_without_its_basis_when_few_are_due(app):
    one_of_63 = Buckets(total=63, completed_on_time=1, open_on_track=62)
    with language(app):
        bar = texts(parse(bars.status_bars([("Task", one_of_63)], title="t")))
        split = texts(parse(bars.group_split({"local": one_of_63}, title="t")))
        ring = texts(parse(donut.status_donut(one_of_63, title="t")))
    for shown in (bar, split, ring):
        assert "100.00%" not in shown  # never bare: 1 of 63 done is not "100 %"
        assert any("100.00% of 1 due" in text for text in shown)
    assert "1/63" in bar and "1/63" in ring


def test_status_bars_stay_readable_with_fifty_long_labels(app):
    long_name = "Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu và các sở, ban, ngành trực thuộc"
    with language(app):
        few = parse(bars.status_bars([("A", B)] * 2, title="t"))
        root = parse(bars.status_bars([(f"{long_name} {i}", B) for i in range(50)], title="t"))
    rows = root.findall(".//s:g[@class='chart-row']", NS)
    assert len(rows) == 50
    label = rows[7].find("s:text[@class='chart-label']", NS)
    assert label.find("s:title", NS).text == f"{long_name} 7"  # the full name as a tooltip
    shown = "".join(label.itertext()).removeprefix(f"{long_name} 7")
    assert shown.endswith("…") and len(shown) < len(long_name)
    height = lambda r: float(r.get("viewBox").split()[3])  # noqa: E731
    assert height(root) > height(few) + 47 * 20


@pytest.mark.parametrize(
    "draw",
    [
        lambda: bars.status_bars([("Empty", Buckets())], title="t"),
        lambda: bars.status_bars([], title="t"),
        lambda: bars.group_split({"central": Buckets()}, title="t"),
        lambda: bars.group_split({}, title="t"),
        lambda: donut.status_donut(Buckets(), title="t"),
        lambda: trend.completion_over_time([(date(2024, 6, 30), Buckets())], title="t"),
        lambda: trend.completion_over_time(
            [(date(2024, 6, 30), Buckets()), (date(2024, 7, 31), Buckets(open_on_track=3))],
            title="t",
            rate=True,
        ),
        lambda: trend.completion_over_time([], title="t"),
    ],
)
def test_zero_totals_draw_empty_charts_without_dividing_by_zero(app, draw):
    with language(app):
        root = parse(draw())
    assert root.findall(".//s:rect[@class='chart-segment']", NS) == []
    assert root.findall(".//s:path[@class='chart-segment']", NS) == []
    assert "nan" not in ET.tostring(root, encoding="unicode").lower()


def test_rates_with_nothing_due_say_so(app):
    with language(app):
        bar_chart = parse(bars.status_bars([("Empty", Buckets(open_on_track=2))], title="t"))
        donut_chart = parse(donut.status_donut(Buckets(), title="t"))
    assert texts(bar_chart.find(".//s:g[@class='chart-row']", NS))[-1] == "not due yet"
    assert "Completion rate: not due yet" in texts(donut_chart) and "0/0" in texts(donut_chart)


@pytest.mark.parametrize(
    "draw",
    [
        lambda title, label: bars.status_bars([(label, B)], title=title),
        lambda title, label: bars.group_split({label: B}, title=title),
        lambda title, label: donut.status_donut(B, title=title),
        lambda title, label: trend.completion_over_time([(date(2024, 6, 30), B)], title=title),
    ],
)
def test_titles_and_labels_from_users_stay_text(app, draw):
    evil = '<script>alert("x")</script> & <b>'
    # A lazy string quoting user input claims to be safe HTML: it must be escaped anyway.
    lazy = _l("Report on %(name)s", name=evil)
    with language(app):
        for title in (evil, lazy):
            markup = str(draw(title, evil))
            root = ET.fromstring(markup)  # well-formed: nothing leaked into the markup
            assert root.find(".//s:script", NS) is None and "<script>" not in markup
            assert evil in root.find("s:title", NS).text
            assert evil in texts(root)[0]


def test_charts_are_labelled_scalable_images(app):
    with language(app):
        markups = [
            bars.status_bars([("Tỉnh A", B)], title="Bars"),
            bars.group_split({"central": B}, title="Groups"),
            donut.status_donut(B, title="Donut"),
            trend.completion_over_time([(date(2024, 6, 30), B)], title="Trend"),
        ]
    for markup in markups:
        root = parse(markup)
        assert root.get("role") == "img" and root.get("width") == "100%"
        assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
        # Named by its title alone; the figures in words are its description.
        assert root.find("s:title", NS).get("id") == root.get("aria-labelledby")
        desc = root.find("s:desc", NS)
        assert desc.get("id") == root.get("aria-describedby") and desc.text
        # Page CSS must not reach inside: Bootstrap's `.row > *` would resize the bars.
        classes = {c for e in root.iter() for c in (e.get("class") or "").split()}
        assert classes and all(c == "chart" or c.startswith("chart-") for c in classes)
        # Every pattern a fill points at is defined in the same picture.
        defined = {p.get("id") for p in root.iter("{http://www.w3.org/2000/svg}pattern")}
        used = set(re.findall(r"url\(#([\w-]+)\)", str(markup)))
        assert used <= defined


def test_buckets_have_the_page_colours_and_print_patterns(app):
    with language(app):
        root = parse(bars.status_bars([("A", B)], title="t"))
    fills = {
        r.get("data-bucket"): r.get("fill")
        for r in root.iterfind(".//s:rect[@class='chart-segment']", NS)
    }
    # The one scheme of every page, chart and file: done green, late teal, overdue red,
    # open within the deadline blue-grey.
    assert fills["completed_on_time"] == "#1b7a3d" == labels.THEME["done"]
    patterns = {p.get("id").split("-", 1)[1]: p for p in root.iter(f"{{{NS['s']}}}pattern")}
    assert set(patterns) == {"completed_late", "open_overdue", "open_on_track"}
    assert patterns["open_overdue"].find("s:rect", NS).get("fill") == "#c62828"
    assert patterns["completed_late"].find("s:rect", NS).get("fill") == "#0f766e"
    assert patterns["open_on_track"].find("s:rect", NS).get("fill") == "#546e7a"


def test_two_charts_on_one_page_never_share_pattern_ids(app):
    with language(app):
        first = parse(bars.status_bars([("A", B)], title="t"))
        second = parse(donut.status_donut(B, title="t"))
    ids = lambda r: {e.get("id") for e in r.iter() if e.get("id")}  # noqa: E731
    assert not ids(first) & ids(second)


@pytest.mark.parametrize(
    ("code", "legend", "number", "rate", "group"),
    [
        ("vi", "Hoàn thành đúng hạn", "1.234/1.500", "82,27% trên 1.500 đến hạn", "Bộ, ngành"),
        (
            "en",
            "Completed on time",
            "1,234/1,500",
            "82.27% of 1,500 due",
            "Ministries and agencies",
        ),
    ],
)
def test_labels_and_numbers_follow_the_language(app, code, legend, number, rate, group):
    with language(app, code):
        bar_texts = texts(parse(bars.status_bars([("Tỉnh A", BIG)], title="t")))
        split = texts(parse(bars.group_split({"central": BIG}, title="t")))
    assert legend in bar_texts and number in bar_texts and rate in bar_texts
    assert group in split


def test_group_split_puts_ministries_first_with_unit_captions(app):
    by_group = {
        "local": Buckets(total=63, completed_on_time=50, completed_late=4, open_overdue=9),
        "central": Buckets(total=22, completed_on_time=17, open_on_track=5),
    }
    with language(app):
        root = parse(bars.group_split(by_group, title="Task"))
        counted = parse(bars.group_split(by_group, title="Task", units=False))
    groups = root.findall(".//s:g[@class='chart-group']", NS)
    assert [g.get("data-group") for g in groups] == ["central", "local"]
    captions = [texts(g)[1] for g in groups]
    assert captions[0].startswith("17/22 ministries and agencies completed")
    assert captions[1].startswith("54/63 provinces completed")
    assert "Completion rate: 85.71%" in captions[1]
    counted_caption = texts(counted.find(".//s:g[@class='chart-group']", NS))[1]
    assert counted_caption.startswith("17 of 22 completed")
    with language(app, "vi"):
        vi = parse(bars.group_split(by_group, title="Task"))
    captions = [texts(g)[1] for g in vi.findall(".//s:g[@class='chart-group']", NS)]
    assert captions[0].startswith("17/22 bộ, ngành đã hoàn thành")
    assert captions[1].startswith("54/63 địa phương đã hoàn thành · Tỷ lệ hoàn thành: 85,71%")


def test_completion_over_time_places_dates_in_time_and_values_in_height(app):
    points = [
        (date(2024, 12, 31), Buckets(completed_on_time=30, open_overdue=5)),
        (date(2024, 1, 31), Buckets(completed_on_time=10, open_overdue=10)),
        (date(2024, 2, 29), Buckets(completed_on_time=20, open_overdue=0)),
    ]
    with language(app):
        root = parse(trend.completion_over_time(points, title="t"))
    completed = root.find(".//s:g[@data-series='completed']", NS)
    xs = [float(c.get("cx")) for c in completed.iterfind("s:circle", NS)]
    ys = [float(c.get("cy")) for c in completed.iterfind("s:circle", NS)]
    assert xs == sorted(xs)  # points are drawn in date order
    # 29 of 335 days in: the second point sits near the start, not in the middle.
    assert (xs[1] - xs[0]) / (xs[2] - xs[0]) == pytest.approx(29 / 335, abs=0.001)
    assert ys[0] > ys[1] > ys[2]  # more completed, higher up
    overdue = root.find(".//s:g[@data-series='overdue']", NS)
    assert len(overdue.findall("s:rect[@class='chart-marker']", NS)) == 3
    labels = texts(root.find(".//s:g[@class='chart-x-labels']", NS))
    assert labels[0] == "31/01/2024" and labels[-1] == "31/12/2024"


def test_completion_over_time_as_a_rate_leaves_gaps_where_nothing_was_due(app):
    points = [
        (date(2024, 1, 31), Buckets(completed_on_time=1, open_overdue=1)),
        (date(2024, 2, 29), Buckets(open_on_track=4)),  # nothing due: no rate
        (date(2024, 3, 31), Buckets(completed_on_time=3, open_overdue=1)),
    ]
    with language(app, "vi"):
        root = parse(trend.completion_over_time(points, title="t", rate=True))
    series = root.find(".//s:g[@data-series='rate']", NS)
    assert len(series.findall("s:polyline", NS)) == 0  # two single points, no line across
    assert len(series.findall("s:circle", NS)) == 2
    assert "75%" in texts(root) and "100%" in texts(root)


def test_donut_angles_follow_the_counts(app):
    with language(app):
        whole = parse(donut.status_donut(Buckets(total=4, completed_on_time=4), title="t"))
        split = parse(donut.status_donut(B, title="t"))
    (ring,) = whole.findall(".//s:path[@class='chart-segment']", NS)
    assert ring.get("d").count("A") == 4  # a full turn is drawn as two halves
    parts = split.findall(".//s:path[@class='chart-segment']", NS)
    assert [int(p.get("data-count")) for p in parts] == [10, 3, 2, 5]
    assert "13/20" in texts(split) and "Completion rate: 86.67% of 15 due" in texts(split)


@pytest.mark.parametrize(
    ("peak", "integer", "top", "step"),
    [
        (0, True, 1, 1),
        (3, True, 3, 1),
        (7, True, 8, 2),
        (120, True, 150, 50),
        (16051, True, 20000, 5000),
        (0.9862, False, 1, 0.25),
    ],
)
def test_axis_tops_are_round_numbers_above_the_peak(peak, integer, top, step):
    assert nice_top(peak, integer=integer) == (pytest.approx(top), pytest.approx(step))


ALL_CHARTS = {
    "bars": lambda: bars.status_bars([("Tỉnh A", B), ("Bộ B", BIG)], title="Bars"),
    "groups": lambda: bars.group_split({"central": B, "local": BIG}, title="Groups"),
    "donut": lambda: donut.status_donut(B, title="Donut"),
    "trend": lambda: trend.completion_over_time(
        [(date(2024, 6, 30), B), (date(2024, 9, 30), BIG)], title="Trend"
    ),
    "rate": lambda: trend.completion_over_time(
        [(date(2024, 6, 30), B), (date(2024, 9, 30), BIG)], title="Rate", rate=True
    ),
}


def _font_sizes(root: ET.Element) -> list[float]:
    """Return the font size every <text> is drawn at (its own, or the nearest ancestor's)."""
    sizes = []

    def walk(element: ET.Element, inherited: float) -> None:
        size = float(element.get("font-size", inherited))
        if element.tag == f"{{{NS['s']}}}text":
            sizes.append(size)
        for child in element:
            walk(child, size)

    walk(root, 16.0)  # the browser's default, were a chart to set none
    return sizes


@pytest.mark.parametrize("kind", list(ALL_CHARTS))
def test_chart_text_never_shrinks_below_ten_pixels(app, kind):
    with language(app, "vi"):
        root = parse(ALL_CHARTS[kind]())
    width = float(root.get("viewBox").split()[2])
    style = dict(part.split(":") for part in root.get("style").split(";"))
    least = float(style["min-width"].removesuffix("px"))
    # Drawn at its narrowest, the chart's smallest text is still 10 CSS pixels or more.
    assert min(_font_sizes(root)) * least / width >= 10 - 1e-9
    assert least < float(style["max-width"].removesuffix("px"))


def test_the_donut_fits_a_phone_without_scrolling(app):
    # A 390 px phone leaves about 334 px inside a card: the donut needs no more.
    with language(app, "vi"):
        root = parse(donut.status_donut(B, title="Tất cả nhiệm vụ được giao"))
    style = dict(part.split(":") for part in root.get("style").split(";"))
    assert float(style["min-width"].removesuffix("px")) <= 334


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("en", ["Completed on time: 10", "Completed late: 3", "Open, overdue: 2"]),
        ("vi", ["Hoàn thành đúng hạn: 10", "Hoàn thành quá hạn: 3", "Chưa hoàn thành, quá hạn: 2"]),
    ],
)
@pytest.mark.parametrize("kind", ["bars", "groups", "donut"])
def test_every_bucket_count_is_in_the_text_alternative(app, kind, code, words):
    with language(app, code):
        root = parse(ALL_CHARTS[kind]())
    desc = root.find("s:desc", NS).text
    for said in words:
        assert said in desc
    assert root.find("s:title", NS).text in {"Bars", "Groups", "Donut"}
