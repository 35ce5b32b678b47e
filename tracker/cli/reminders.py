"""``tracker remind``: one reminder sweep now, e.g. from system cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.cli.options import today_option


@click.command("remind")
@click.option(
    "--dry-run", is_flag=True, help="Print what would be queued; queue and record nothing."
)
@today_option
@with_appcontext
def remind_command(dry_run: bool, today) -> None:
    """Run one reminder sweep now (usable from system cron instead of the scheduler): queue
    today's emails in the outbox, which ``tracker send`` or the scheduler delivers."""
    from tracker import clock, settings
    from tracker.services.reminders.sweep import log_sweep, run_sweep

    report = run_sweep(clock.now_on(today), settings.current(), dry_run=dry_run)
    log_sweep(report)
    if report.skipped:
        click.echo(f"{report.today}: nothing queued ({report.skipped}).")
        return
    verb = "would queue" if dry_run else "queued"
    for recipient, items in sorted(report.plan.items()):
        click.echo(f"{recipient}: {len(items)} item(s)")
        for item in items:
            click.echo(f"    {item}")
    click.echo(
        f"{report.today}: {report.planned} notices planned, {report.unreachable} unreachable; "
        + (
            f"{verb} to {len(report.plan)} recipients."
            if dry_run
            else f"{report.queued} emails queued, "
            f"{report.cancelled} items cancelled (no longer applying)."
        )
    )
