"""``tracker recur``: create the coming periods' tasks of recurring obligations."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.cli.options import today_option


@click.command("recur")
@click.option("--dry-run", is_flag=True, help="Print what would be created; create nothing.")
@today_option
@with_appcontext
def recur_command(dry_run: bool, today) -> None:
    """Generate the recurring tasks whose period has come (idempotent: safe to rerun)."""
    from tracker import clock, settings
    from tracker.i18n import format_day
    from tracker.services.recurrence.generation import generate_due_occurrences

    now = clock.now_on(today)
    report = generate_due_occurrences(
        clock.local_date(now),
        now=now,
        language=settings.current().default_language,
        dry_run=dry_run,
    )
    verb = "would create" if dry_run else "created"
    for item in report.occurrences:
        click.echo(
            f"{verb}: {item.title} (due {format_day(item.deadline)}, {item.units} unit(s))"
            + (f" task #{item.task_id}" if item.task_id else "")
        )
    for item in report.without_units:
        click.echo(f"no unit matches, not created: {item.title}")
    for series_id in report.broken:
        click.echo(f"recurring task #{series_id} has an unreadable rule: skipped")
    if report.raced:
        click.echo("another process generated these periods meanwhile: nothing created.")
    click.echo(f"{report.today}: {len(report.occurrences)} occurrence(s) {verb}.")
