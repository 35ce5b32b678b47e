"""SVG building blocks shared by the charts: the frame, escaping, buckets, patterns, legend."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from tracker import labels
from tracker.domain.aggregate import Buckets
from tracker.domain.status import TimeStatus

# Words several charts write (module-level: the catalog extractor cannot see into f-strings).
NO_DATA = _l("No data to show.")
COMPLETED = _l("Completed")
COMPLETION_RATE = _l("Completion rate")
CHAR = 6.6  # average advance of a 12px sans-serif character, to truncate and flow text
FONT = 12
MAX_SCALE = 1.25
# The smallest a chart's text may be drawn, in CSS pixels: a chart never shrinks below the
# width that keeps its smallest text this size; on a phone it scrolls sideways instead.
LEGIBLE_PX = 10

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Segment:
    """A reporting bucket as charts draw it: colour as on the pages plus a print pattern."""

    key: str  # the Buckets attribute
    label: object  # a lazy string
    colour: str  # Bootstrap colour name
    pattern: str  # solid, stripes, hatch or dots


# In the order of the pages' stacked bars: the due part (completed, overdue) first.
SEGMENTS = (
    Segment(
        "completed_on_time",
        _l("Completed on time"),
        labels.status_colour(TimeStatus.COMPLETED_ON_TIME),
        "solid",
    ),
    Segment(
        "completed_late",
        _l("Completed late"),
        labels.status_colour(TimeStatus.COMPLETED_LATE),
        "stripes",
    ),
    Segment("open_overdue", _l("Open, overdue"), labels.status_colour(TimeStatus.OVERDUE), "hatch"),
    Segment(
        "open_on_track",
        _l("Open, within deadline"),
        labels.status_colour(TimeStatus.ON_TRACK),
        "dots",
    ),
)


def text(value: object) -> str:
    """Return ``value`` as escaped text; lazy strings are rendered first, since they claim
    to be safe HTML and would otherwise pass user-typed values through unescaped."""
    return str(escape(str(value)))


def truncate(value: object, chars: int) -> str:
    """Return ``value`` as a string of at most ``chars`` characters (an ellipsis marks a cut)."""
    s = str(value)
    return s if len(s) <= chars else s[: max(chars - 1, 1)].rstrip() + "…"


def num(value: float) -> str:
    """Return a coordinate with at most two decimals and no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def segment_counts(b: Buckets) -> list[tuple[Segment, int]]:
    """Return each drawn bucket with its count, in drawing order."""
    return [(seg, getattr(b, seg.key)) for seg in SEGMENTS]


def new_id() -> str:
    """Return an id prefix unique in the page, so patterns of two charts never clash."""
    return f"chart{next(_ids)}"


def fill(uid: str, seg: Segment) -> str:
    """Return the fill attribute value of a segment: its colour, or its pattern."""
    if seg.pattern == "solid":
        return labels.THEME[seg.colour]
    return f"url(#{uid}-{seg.key})"


def pattern_defs(uid: str) -> str:
    """Return the <defs> with one pattern per non-solid segment: the page colour overlaid
    with marks in the contrasting text colour, so buckets differ in grey-scale too."""
    parts = []
    for seg in SEGMENTS:
        if seg.pattern == "solid":
            continue
        base = labels.THEME[seg.colour]
        mark = labels.TEXT_ON[seg.colour]
        rotate = ' patternTransform="rotate(45)"' if seg.pattern != "dots" else ""
        if seg.pattern == "stripes":
            marks = f'<rect width="2" height="6" fill="{mark}" fill-opacity="0.55"/>'
        elif seg.pattern == "hatch":
            marks = (
                f'<rect width="1.5" height="6" fill="{mark}" fill-opacity="0.7"/>'
                f'<rect width="6" height="1.5" fill="{mark}" fill-opacity="0.7"/>'
            )
        else:
            marks = f'<circle cx="3" cy="3" r="1.3" fill="{mark}" fill-opacity="0.75"/>'
        parts.append(
            f'<pattern id="{uid}-{seg.key}" width="6" height="6" patternUnits="userSpaceOnUse"'
            f'{rotate}><rect width="6" height="6" fill="{base}"/>{marks}</pattern>'
        )
    return "<defs>" + "".join(parts) + "</defs>"


def legend(x: float, y: float, width: float, items: Iterable[tuple[str, str]]) -> tuple[str, float]:
    """Return a legend of (label, swatch SVG) items flowed into lines within ``width``,
    starting with its top at ``y``, and its height."""
    parts = ['<g class="chart-legend">']
    cx, cy = x, y
    for label, swatch in items:
        advance = 22 + len(label) * CHAR + 16
        if cx + advance > x + width and cx > x:
            cx, cy = x, cy + 18
        parts.append(
            f'<g transform="translate({num(cx)},{num(cy)})">{swatch}'
            f'<text x="20" y="11">{text(label)}</text></g>'
        )
        cx += advance
    parts.append("</g>")
    return "".join(parts), cy - y + 18


def swatch(fill_value: str) -> str:
    """Return a 14 x 12 legend box painted with ``fill_value``."""
    return (
        f'<rect width="14" height="12" fill="{fill_value}" stroke="{labels.INK}"'
        ' stroke-width="0.5"/>'
    )


def segment_legend(uid: str, x: float, y: float, width: float) -> tuple[str, float]:
    """Return the legend of the four buckets and its height."""
    return legend(x, y, width, ((str(s.label), swatch(fill(uid, s))) for s in SEGMENTS))


def frame(
    uid: str,
    kind: str,
    width: float,
    height: float,
    title: object,
    desc: str,
    body: str,
    *,
    smallest: float = FONT,
) -> Markup:
    """Return the <svg> element: scaled to its container (up to MAX_SCALE, so text stays
    text-sized on wide screens, and down to the width where ``smallest``, the least font
    size the chart uses, is still LEGIBLE_PX), named by its title and described by its
    figures in words for screen readers, with the visible title on top. Classes are all
    "chart-*" so page CSS (Bootstrap's ``.row > *`` sets ``width``, which SVG rects obey)
    never reaches inside."""
    least = math.ceil(width * LEGIBLE_PX / smallest)  # rounded down, it would fall short
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" data-chart="{kind}"'
        f' viewBox="0 0 {num(width)} {num(height)}" width="100%"'
        f' style="height:auto;min-width:{num(least)}px;max-width:{num(width * MAX_SCALE)}px"'
        f' preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="{uid}-title"'
        f' aria-describedby="{uid}-desc" font-size="{FONT}" fill="{labels.INK}">'
        f'<title id="{uid}-title">{text(title)}</title><desc id="{uid}-desc">{text(desc)}</desc>'
        f'<text class="chart-title" x="0" y="16" font-size="14" font-weight="600">'
        f"{text(title)}</text>{body}</svg>"
    )
