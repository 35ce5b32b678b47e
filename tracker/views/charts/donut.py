"""A single set of buckets as a donut, with the completion rate in its middle."""

from __future__ import annotations

import math

from flask_babel import gettext as _
from markupsafe import Markup

from tracker import labels
from tracker.domain.aggregate import Buckets
from tracker.i18n import format_number
from tracker.views.charts import svg
from tracker.views.charts.bars import summary

# The legend goes under the ring, not beside it: narrow enough for a phone's width with
# its text still legible (svg.LEGIBLE_PX), and no wider than a third of a wide page.
WIDTH = 300
OUTER, INNER = 86, 56
CX, CY = WIDTH // 2, 28 + OUTER
RATE_Y = CY + OUTER + 18  # the rate and its basis, under the ring (too wide for its hole)
LEGEND_Y = RATE_Y + 14
SMALLEST = 11  # the words under the rate


def _point(radius: float, angle: float) -> str:
    """Return "x,y" on the circle of ``radius`` at ``angle`` radians clockwise from the top."""
    return f"{svg.num(CX + radius * math.sin(angle))},{svg.num(CY - radius * math.cos(angle))}"


def arc_path(start: float, end: float) -> str:
    """Return the path of the ring between two angles (a full turn is drawn as two halves,
    since one SVG arc cannot start and end at the same point)."""
    if end - start >= 2 * math.pi - 1e-9:
        return arc_path(start, start + math.pi) + " " + arc_path(start + math.pi, end)
    large = 1 if end - start > math.pi else 0
    return (
        f"M{_point(OUTER, start)} A{OUTER},{OUTER} 0 {large} 1 {_point(OUTER, end)}"
        f" L{_point(INNER, end)} A{INNER},{INNER} 0 {large} 0 {_point(INNER, start)} Z"
    )


def status_donut(b: Buckets, *, title: object) -> Markup:
    """Return a donut of the four buckets of ``b`` (angles in proportion to the counts),
    the completion rate written in the hole and a legend with the counts."""
    uid = svg.new_id()
    counts = svg.segment_counts(b)
    total = sum(n for _seg, n in counts)
    parts = [
        svg.pattern_defs(uid),
        f'<circle class="chart-track" cx="{CX}" cy="{CY}" r="{(OUTER + INNER) / 2}" fill="none"'
        f' stroke="{labels.TRACK}" stroke-width="{OUTER - INNER}"/>',
    ]
    angle = 0.0
    for seg, n in counts:
        if not n:
            continue
        sweep = 2 * math.pi * n / total
        parts.append(
            f'<path class="chart-segment" data-bucket="{seg.key}" data-count="{n}"'
            f' d="{arc_path(angle, angle + sweep)}" fill="{svg.fill(uid, seg)}"'
            f' stroke="#ffffff" stroke-width="1"><title>{svg.text(seg.label)}:'
            f" {format_number(n)}</title></path>"
        )
        angle += sweep
    # Done out of assigned in the hole; the rate over what is due, with that basis, below.
    done = f"{format_number(b.completed)}/{format_number(b.applicable)}"
    word = _("completed")  # outside the f-string, where the catalog's extractor finds it
    rate = f"{svg.COMPLETION_RATE}: {labels.rate_short(b)}"
    parts.append(
        f'<text class="chart-done" x="{CX}" y="{CY + 2}" text-anchor="middle" font-size="20"'
        f' font-weight="600">{svg.text(done)}</text>'
        f'<text x="{CX}" y="{CY + 18}" text-anchor="middle" font-size="{SMALLEST + 1}"'
        f' fill="{labels.INK}">{svg.text(word)}</text>'
        f'<text class="chart-rate" x="{CX}" y="{RATE_Y}" text-anchor="middle"'
        f' font-size="{SMALLEST + 1}" fill="{labels.INK}">{svg.text(rate)}</text>'
    )
    for i, (seg, n) in enumerate(counts):
        y = LEGEND_Y + i * 22
        parts.append(
            f'<g class="chart-entry" data-bucket="{seg.key}" transform="translate(0,{y})">'
            f"{svg.swatch(svg.fill(uid, seg))}"
            f'<text x="20" y="11">{svg.text(seg.label)}</text>'
            f'<text x="{WIDTH}" y="11" text-anchor="end" font-weight="600">'
            f"{format_number(n)}</text></g>"
        )
    height = LEGEND_Y + len(counts) * 22
    return svg.frame(
        uid, "donut", WIDTH, height, title, summary(b), "".join(parts), smallest=SMALLEST
    )
