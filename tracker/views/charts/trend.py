"""Line chart of completion over time: completed and overdue counts (or the rate) per date."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup

from tracker import labels
from tracker.domain.aggregate import Buckets
from tracker.domain.status import TimeStatus
from tracker.i18n import format_day, format_number, format_rate
from tracker.views.charts import svg

WIDTH = 640
LEFT = 60  # room for the y axis labels
RIGHT = 64  # room for the last values
PLOT_H = 220
X_LABEL = 78  # width a dd/mm/yyyy label needs
MAX_MARKERS = 60


@dataclass(frozen=True)
class _Series:
    key: str
    label: str
    colour: str  # hex
    dash: str  # "" for a solid line
    marker: str  # circle or square
    values: list[float | None]
    area: bool = False


def nice_top(peak: float, *, integer: bool) -> tuple[float, float]:
    """Return (axis maximum, tick step): about four steps of 1, 2, 2.5 or 5 x 10^k that
    reach ``peak`` (at least 1 so an all-zero series still has an axis)."""
    peak = max(peak, 1.0)
    raw = peak / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, math.ceil(step))
    return math.ceil(peak / step) * step, step


def _series(points: Sequence[tuple[date, Buckets]], rate: bool) -> list[_Series]:
    if rate:
        values = [None if b.completion_rate is None else b.completion_rate for _d, b in points]
        return [_Series("rate", svg.COMPLETION_RATE, labels.THEME["primary"], "", "circle", values)]
    done_colour = labels.THEME[labels.status_colour(TimeStatus.COMPLETED_ON_TIME)]
    overdue_colour = labels.THEME[labels.status_colour(TimeStatus.OVERDUE)]
    return [
        _Series(
            "completed",
            svg.COMPLETED,
            done_colour,
            "",
            "circle",
            [float(b.completed) for _d, b in points],
            area=True,
        ),
        _Series(
            "overdue",
            _("Open, overdue"),
            overdue_colour,
            "6 4",
            "square",
            [float(b.open_overdue) for _d, b in points],
        ),
    ]


def _marker(kind: str, x: float, y: float, colour: str, tip: str) -> str:
    title = f"<title>{svg.text(tip)}</title>"
    if kind == "square":
        return (
            f'<rect class="chart-marker" x="{svg.num(x - 3.5)}" y="{svg.num(y - 3.5)}" width="7"'
            f' height="7" fill="{colour}">{title}</rect>'
        )
    return (
        f'<circle class="chart-marker" cx="{svg.num(x)}" cy="{svg.num(y)}" r="3.5" fill="#ffffff"'
        f' stroke="{colour}" stroke-width="2">{title}</circle>'
    )


def _legend_swatch(s: _Series) -> str:
    dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
    line = f'<line x1="0" y1="6" x2="16" y2="6" stroke="{s.colour}" stroke-width="2.5"{dash}/>'
    return line + _marker(s.marker, 8, 6, s.colour, s.label)


def completion_over_time(
    points: Sequence[tuple[date, Buckets]], *, title: object, rate: bool = False
) -> Markup:
    """Return a line chart over the dates of ``points`` (placed in proportion to time):
    completed and open overdue counts, or with ``rate`` the completion rate; x labels
    dd/mm/yyyy, the last values written at the right end."""
    uid = svg.new_id()
    points = sorted(points, key=lambda p: p[0])
    series = _series(points, rate)
    legend, legend_h = svg.legend(0, 28, WIDTH, ((s.label, _legend_swatch(s)) for s in series))
    top = 28 + legend_h + 14
    parts = [legend]
    if not points:
        parts.append(f'<text x="0" y="{top + 16}">{svg.text(svg.NO_DATA)}</text>')
        return svg.frame(uid, "trend", WIDTH, top + 30, title, svg.NO_DATA, "".join(parts))

    plot_w = WIDTH - LEFT - RIGHT
    bottom = top + PLOT_H
    peak = max((v for s in series for v in s.values if v is not None), default=0.0)
    y_max, step = (1.0, 0.25) if rate else nice_top(peak, integer=True)
    first, last = points[0][0], points[-1][0]
    span = (last - first).days

    def x_at(day: date) -> float:
        return LEFT + (plot_w * (day - first).days / span if span else plot_w / 2)

    def y_at(value: float) -> float:
        return bottom - PLOT_H * value / y_max

    def y_label(value: float) -> str:
        return format_rate(value, 0) if rate else format_number(value)

    parts.append(_axes(top, bottom, plot_w, y_max, step, y_label))
    parts.append(_x_labels([d for d, _b in points], x_at, bottom))
    ends: list[tuple[float, str, str]] = []
    for s in series:
        parts.append(_draw(s, points, x_at, y_at, bottom, y_label))
        last_value = next((v for v in reversed(s.values) if v is not None), None)
        if last_value is not None:
            ends.append((y_at(last_value), y_label(last_value), s.colour))
    parts.append(_end_labels(ends, LEFT + plot_w + 8))
    desc = ". ".join(
        f"{format_day(d)}: " + "; ".join(_said(s, i, y_label) for s in series)
        for i, (d, _b) in enumerate(points)
    )
    return svg.frame(uid, "trend", WIDTH, bottom + 30, title, desc, "".join(parts), smallest=11)


def _said(s: _Series, i: int, y_label) -> str:
    value = s.values[i]
    return f"{s.label}: {'—' if value is None else y_label(value)}"


def _axes(top: float, bottom: float, plot_w: float, y_max: float, step: float, y_label) -> str:
    parts = ['<g class="chart-axes" font-size="11">']
    n = round(y_max / step)
    for i in range(n + 1):
        value = step * i
        y = bottom - (bottom - top) * value / y_max
        parts.append(
            f'<line x1="{LEFT}" x2="{svg.num(LEFT + plot_w)}" y1="{svg.num(y)}" y2="{svg.num(y)}"'
            f' stroke="{labels.TRACK if i else labels.MUTED}"/>'
            f'<text x="{LEFT - 6}" y="{svg.num(y + 4)}" text-anchor="end"'
            f' fill="{labels.MUTED}">{svg.text(y_label(value))}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _x_labels(days: list[date], x_at, bottom: float) -> str:
    parts = ['<g class="chart-x-labels" font-size="11" text-anchor="middle">']
    last_x = -math.inf
    for i, day in enumerate(days):
        x = x_at(day)
        # Keep the last date when it fits; never let two labels overlap.
        if x - last_x < X_LABEL or (i < len(days) - 1 and x_at(days[-1]) - x < X_LABEL and i):
            continue
        parts.append(
            f'<line x1="{svg.num(x)}" x2="{svg.num(x)}" y1="{svg.num(bottom)}"'
            f' y2="{svg.num(bottom + 4)}" stroke="{labels.MUTED}"/>'
            f'<text x="{svg.num(x)}" y="{svg.num(bottom + 17)}">{format_day(day)}</text>'
        )
        last_x = x
    parts.append("</g>")
    return "".join(parts)


def _draw(s: _Series, points, x_at, y_at, bottom: float, y_label) -> str:
    """Return one series: its line (broken where a value is missing), area and markers."""
    runs: list[list[tuple[float, float]]] = [[]]
    for (day, _b), value in zip(points, s.values, strict=True):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((x_at(day), y_at(value)))
    dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
    parts = [f'<g class="chart-series" data-series="{s.key}">']
    for run in filter(None, runs):
        coords = " ".join(f"{svg.num(x)},{svg.num(y)}" for x, y in run)
        if s.area and len(run) > 1:
            parts.append(
                f'<polygon class="chart-area" fill="{s.colour}" fill-opacity="0.12" points="'
                f"{svg.num(run[0][0])},{svg.num(bottom)} {coords}"
                f' {svg.num(run[-1][0])},{svg.num(bottom)}"/>'
            )
        if len(run) > 1:
            parts.append(
                f'<polyline class="chart-line" points="{coords}" fill="none" stroke="{s.colour}"'
                f' stroke-width="2.5"{dash}/>'
            )
    if len(points) <= MAX_MARKERS:
        for (day, _b), value in zip(points, s.values, strict=True):
            if value is not None:
                tip = f"{format_day(day)} — {s.label}: {y_label(value)}"
                parts.append(_marker(s.marker, x_at(day), y_at(value), s.colour, tip))
    parts.append("</g>")
    return "".join(parts)


def _end_labels(ends: list[tuple[float, str, str]], x: float) -> str:
    """Return the last value of each series beside its line, pushed apart to stay legible."""
    parts = []
    previous = -math.inf
    for y, label, colour in sorted(ends):
        y = max(y, previous + 13)
        parts.append(
            f'<text class="chart-end" x="{svg.num(x)}" y="{svg.num(y + 4)}" fill="{colour}"'
            f' font-weight="600">{svg.text(label)}</text>'
        )
        previous = y
    return "".join(parts)
