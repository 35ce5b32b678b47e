"""Stacked bar charts: one bar per task or unit, and the ministries-versus-provinces split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import gettext as _
from markupsafe import Markup

from tracker import labels
from tracker.domain.aggregate import Buckets
from tracker.domain.reports import CENTRAL, GROUPS, LOCAL
from tracker.i18n import format_number
from tracker.labels import GROUP
from tracker.views.charts import svg

WIDTH = 800
ROW = 22  # height of one bar's row
BAR_X = 236  # labels live left of here
BAR_W = 300
DONE_RIGHT = BAR_X + BAR_W + 80  # right edge of the "12/20" column
LABEL_CHARS = int((BAR_X - 8) / svg.CHAR)


def summary(b: Buckets, counting: str = "assignments") -> str:
    """Return the buckets and completion rate of ``b`` in words, for a chart's description."""
    parts = [f"{seg.label}: {format_number(n)}" for seg, n in svg.segment_counts(b)]
    parts.append(f"{svg.COMPLETION_RATE}: {labels.rate_words(b, counting)}")
    return "; ".join(parts)


def stacked(uid: str, b: Buckets, x: float, y: float, width: float, height: float) -> str:
    """Return a bar ``width`` long split in proportion to the four buckets (an empty track
    when there is nothing to draw); each part carries its bucket, count and a tooltip."""
    parts = [
        f'<rect class="chart-track" x="{svg.num(x)}" y="{svg.num(y)}" width="{svg.num(width)}"'
        f' height="{svg.num(height)}" fill="{labels.TRACK}"/>'
    ]
    counts = svg.segment_counts(b)
    total = sum(n for _seg, n in counts)
    offset = x
    for seg, n in counts:
        if not n or not total:
            continue
        w = width * n / total
        parts.append(
            f'<rect class="chart-segment" data-bucket="{seg.key}" data-count="{n}"'
            f' x="{svg.num(offset)}" y="{svg.num(y)}" width="{svg.num(w)}"'
            f' height="{svg.num(height)}" fill="{svg.fill(uid, seg)}" stroke="#ffffff"'
            f' stroke-width="0.75"><title>{svg.text(seg.label)}: {format_number(n)}</title></rect>'
        )
        offset += w
    return "".join(parts)


def status_bars(rows: Sequence[tuple[str, Buckets]], *, title: object) -> Markup:
    """Return one horizontal 100% stacked bar per (label, buckets) row: the label at left,
    completed/applicable and the completion rate at right, a legend on top."""
    uid = svg.new_id()
    legend, legend_h = svg.segment_legend(uid, 0, 28, WIDTH)
    y = 28 + legend_h + 10
    parts = [svg.pattern_defs(uid), legend]
    parts.append(
        f'<g class="chart-columns" font-size="11" fill="{labels.MUTED}" text-anchor="end">'
        f'<text x="{DONE_RIGHT}" y="{y + 10}">{svg.text(svg.COMPLETED)}</text>'
        f'<text x="{WIDTH}" y="{y + 10}">{svg.text(svg.COMPLETION_RATE)}</text></g>'
    )
    y += 16
    lines = []
    if not rows:
        parts.append(f'<text x="0" y="{y + 16}">{svg.text(svg.NO_DATA)}</text>')
        y += ROW
    for i, (label, b) in enumerate(rows):
        top = y + i * ROW
        base = top + 15
        done = f"{format_number(b.completed)}/{format_number(b.applicable)}"
        parts.append(
            f'<g class="chart-row" data-row="{i}">'
            f'<text class="chart-label" x="0" y="{base}"><title>{svg.text(label)}</title>'
            f"{svg.text(svg.truncate(label, LABEL_CHARS))}</text>"
            f"{stacked(uid, b, BAR_X, top + 4, BAR_W, 14)}"
            f'<text class="chart-done" x="{DONE_RIGHT}" y="{base}" text-anchor="end">{done}</text>'
            f'<text class="chart-rate" x="{WIDTH}" y="{base}" text-anchor="end">'
            f"{svg.text(labels.rate_short(b))}</text></g>"
        )
        lines.append(f"{label} — {summary(b, 'units')}")
    height = y + max(len(rows), 1) * ROW + 6
    return svg.frame(
        uid, "bars", WIDTH, height, title, ". ".join(lines), "".join(parts), smallest=11
    )


def group_caption(group: str, b: Buckets, *, units: bool) -> str:
    """Return "17/22 ministries and agencies completed"-style words for one group, or
    "12 of 20 completed" when the counts are assignments rather than units."""
    done, total = format_number(b.completed), format_number(b.applicable)
    if not units:
        return _("%(done)s of %(total)s completed", done=done, total=total)
    if group == CENTRAL:
        return _("%(done)s/%(total)s ministries and agencies completed", done=done, total=total)
    if group == LOCAL:
        return _("%(done)s/%(total)s provinces completed", done=done, total=total)
    return _("%(done)s/%(total)s units completed", done=done, total=total)


def group_split(by_group: Mapping[str, Buckets], *, title: object, units: bool = True) -> Markup:
    """Return one wide stacked bar per reporting group (ministries first, then provinces,
    then any other key), each captioned with how many completed and the completion rate.

    ``units`` says the counts are units (one assignment each, as on a task's report);
    programme-wide counts of assignments pass ``units=False``.
    """
    uid = svg.new_id()
    legend, legend_h = svg.segment_legend(uid, 0, 28, WIDTH)
    parts = [svg.pattern_defs(uid), legend]
    y = 28 + legend_h + 8
    keys = [g for g in GROUPS if g in by_group] + [g for g in by_group if g not in GROUPS]
    if not keys:
        parts.append(f'<text x="0" y="{y + 16}">{svg.text(svg.NO_DATA)}</text>')
        y += ROW
    lines = []
    for i, key in enumerate(keys):
        b = by_group[key]
        name = str(GROUP.get(key, key))  # type: ignore[call-overload]
        caption = group_caption(key, b, units=units)
        rate = f"{svg.COMPLETION_RATE}: {labels.rate_short(b)}"
        parts.append(
            f'<g class="chart-group" data-group="{svg.text(key)}" data-row="{i}">'
            f'<text x="0" y="{y + 14}" font-weight="600">{svg.text(name)}</text>'
            f'<text class="chart-caption" x="{WIDTH}" y="{y + 14}" text-anchor="end">'
            f"{svg.text(caption)} · {svg.text(rate)}</text>"
            f"{stacked(uid, b, 0, y + 22, WIDTH, 24)}</g>"
        )
        lines.append(f"{name}: {caption} — {summary(b, 'units' if units else 'assignments')}")
        y += 60
    return svg.frame(uid, "groups", WIDTH, y + 4, title, ". ".join(lines), "".join(parts))
