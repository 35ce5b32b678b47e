"""``tracker report``: the report pages' exports from the command line (for cron or mail),
read like them through the reports engine."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.cli.options import iso_day

REPORTS = ("programme", "units", "matrix", "narrative")


@click.command("report")
@click.option("--as-of", "day", callback=iso_day, help="Report date YYYY-MM-DD (default today).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx")
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--task", "task_ids", type=int, multiple=True, help="Only this task (repeatable).")
@click.option("--report", "kind", type=click.Choice(REPORTS), default="programme")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@with_appcontext
def report_command(day, fmt, output, task_ids, kind, lang) -> None:
    """Write a report as of a day: XLSX (every sheet) or CSV (the main table).

    The programme report has the tasks, the units not done and the overdue ageing; with one
    --task it lists that task's units. ``--report narrative`` writes the summary as text.
    """
    from flask_babel import force_locale

    from tracker import clock, settings
    from tracker.exports.narrative import compose_narrative
    from tracker.exports.writers import write_csv, write_xlsx
    from tracker.extensions import on_reports_engine
    from tracker.services.reports import figures
    from tracker.services.reports.base import report_scope

    current = settings.current()
    today = clock.today()
    with on_reports_engine(), force_locale(lang):
        scope = report_scope(
            day or today,
            current.due_soon_days,
            today=today,
            task_ids=list(task_ids) or None,
            day_off_rolls=current.day_off_rolls,
        )
        if kind == "narrative":
            programme = figures.programme_figures(scope, with_missing=True)
            text = compose_narrative(programme, period_start=None, name_units=True)
            with open(output, "w", encoding="utf-8-sig", newline="\n") as f:
                f.write(text + "\n")
            click.echo(f"{output}: narrative summary as of {scope.day:%d/%m/%Y}")
            return
        tables = _sheets(kind, scope, task_ids)
        with open(output, "wb") as stream:
            if fmt == "xlsx":
                write_xlsx(tables, stream, zone=current.zone)
            else:
                write_csv(tables[0], stream, zone=current.zone)
    click.echo(f"{output}: {kind} report as of {scope.day:%d/%m/%Y} ({fmt})")


def _sheets(kind, scope, task_ids) -> list:
    from tracker.exports import reports as sheets
    from tracker.services.reports import figures, matrix, units

    if kind == "units":
        return [sheets.units_sheet(units.unit_scores(scope))]
    if kind == "matrix":
        data = matrix.matrix(scope, unit_page=1, unit_size=100_000, task_page=1, task_size=1000)
        return [sheets.matrix_sheet(data)]
    if len(task_ids) == 1:
        tasks = figures.task_figures(scope, with_missing=True)
        return [
            sheets.task_units_sheet(figures.task_units(scope, task_ids[0])),
            sheets.tasks_sheet(tasks),
        ]
    programme = figures.programme_figures(scope, with_missing=True)
    return sheets.programme_sheets(programme, ranking=units.unit_scores(scope))
