"""The reports downloaded as official documents: the programme report (its figures, with
tables by group and by task) and the narrative summary (the coordinator's edited text).

Words come in the active language, as the narrative's do.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import pgettext

from tracker.domain.aggregate import Buckets
from tracker.domain.reports import GROUPS, ProgrammeFigures
from tracker.exports.narrative import group_split_text, narrative_paragraphs
from tracker.exports.official.document import DocTable, OfficialReport, Part
from tracker.i18n import format_day, format_number, format_rate
from tracker.labels import GROUP, rate_short


def programme_report(
    figures: ProgrammeFigures, *, period_start: date | None = None
) -> OfficialReport:
    """Return the programme report: the overall figures in words and by group of units, then
    a table of every task with its completion by group and its buckets."""
    heading, *rest = narrative_paragraphs(figures, period_start=period_start)
    overall = rest[0] if figures.tasks else rest[-1]
    parts = [Part(_("Overall results"), (overall, _group_table(figures)))]
    if figures.tasks:
        parts.append(Part(_("Results by task"), (_task_table(figures),)))
    return OfficialReport(summary=heading, day=figures.as_of, parts=tuple(parts))


def narrative_report(text: str, day: date) -> OfficialReport:
    """Return the narrative summary as a report: its first paragraph is the trích yếu, the
    second the overall results, each further one a numbered result by task."""
    paragraphs = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    if len(paragraphs) >= 2:
        summary, paragraphs = paragraphs[0], paragraphs[1:]
    else:
        summary = _("Progress of the tasks as of %(day)s", day=format_day(day))
    parts = [Part(_("Overall results"), tuple(paragraphs[:1]))]
    if by_task := paragraphs[1:]:
        numbered = tuple(f"{n}. {p}" for n, p in enumerate(by_task, start=1))
        parts.append(Part(_("Results by task"), numbered))
    return OfficialReport(summary=summary, day=day, parts=tuple(parts))


def _bucket_cells(b: Buckets) -> tuple[str, ...]:
    n = format_number
    rate = format_rate(b.completion_rate) if b.due else "—"
    return (
        n(b.applicable),
        n(b.due),
        n(b.completed_on_time),
        n(b.completed_late),
        n(b.open_on_track),
        n(b.open_overdue),
        n(b.awaiting_confirmation),
        rate,
    )


def _bucket_headings() -> tuple[str, ...]:
    return (
        _("Assignments to units"),
        _("Already due"),
        _("Completed on time"),
        _("Completed late"),
        _("Open, within deadline"),
        _("Open, overdue"),
        _("Awaiting confirmation"),
        _("Completion rate (completed of those already due)"),
    )


def _group_table(figures: ProgrammeFigures) -> DocTable:
    by_group: dict[str, Buckets] = {}
    for task in figures.tasks:
        for name, b in task.by_group.items():
            by_group[name] = by_group.get(name, Buckets()) + b
    rows = [
        (str(GROUP[name]), *_bucket_cells(by_group[name])) for name in GROUPS if name in by_group
    ]
    rows.append((_("Total"), *_bucket_cells(figures.total)))
    return DocTable(
        columns=(_("Group"), *_bucket_headings()),
        rows=tuple(rows),
        widths=(2.5, *(1.75,) * 8),
        numeric=frozenset(range(1, 9)),
        total_rows=frozenset({len(rows) - 1}),
    )


def _task_table(figures: ProgrammeFigures) -> DocTable:
    rows = tuple(
        (
            format_number(number),
            task.title,
            format_day(task.deadline),
            group_split_text(task),
            format_number(task.total.completed_on_time),
            format_number(task.total.completed_late),
            format_number(task.total.open_overdue),
            rate_short(task.total),  # with its basis: "100% of 1 due" reads as 1, not as all
        )
        for number, task in enumerate(figures.tasks, start=1)
    )
    return DocTable(
        columns=(
            pgettext("table row number", "No."),
            _("Task"),
            _("Deadline"),
            _("Completed by group"),
            _("Completed on time"),
            _("Completed late"),
            _("Open, overdue"),
            _("Completion rate"),
        ),
        rows=rows,
        widths=(0.9, 4.0, 2.2, 3.2, 1.4, 1.4, 1.4, 2.0),
        numeric=frozenset({0, 4, 5, 6, 7}),
    )
