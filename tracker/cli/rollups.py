"""``tracker rollups``: check the maintained counts and the figures kept for closed days
against a full recount from the assignments and their history, or rebuild them."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.cli.options import iso_day


@click.group("rollups")
def rollups_command() -> None:
    """The counts and daily figures the dashboard and reports read instead of every
    assignment."""


@rollups_command.command("check")
@click.option("--from", "first", callback=iso_day, metavar="YYYY-MM-DD", help="First kept day.")
@click.option("--to", "last", callback=iso_day, metavar="YYYY-MM-DD", help="Last kept day.")
@click.option("--limit", default=20, show_default=True, help="Differences to print at most.")
@with_appcontext
def check_command(first, last, limit: int) -> None:
    """Compare the maintained counts with a full recount, and each kept day's figures (all,
    or those from --from to --to) with the day rebuilt from the history; exit 1 on any
    difference."""
    from tracker import clock, settings
    from tracker.services.rollups import check, writing

    counted = check.differences()
    for diff in counted[:limit]:
        task_id, group, state, due, late = diff.key
        click.echo(
            f"task {task_id} {group} {state} due {due} late {late}: "
            f"kept {diff.kept}, counted {diff.counted}"
        )
    per_unit = check.unit_differences()
    for diff in per_unit[:limit]:
        unit_id, state, overdue = diff.key
        click.echo(
            f"unit {unit_id} {state} {'overdue' if overdue else 'not overdue'}: "
            f"kept {diff.kept}, counted {diff.counted}"
        )
    current = settings.current()
    calendar = check.offset_differences(current.day_off_rolls)
    for diff in calendar[:limit]:
        what = f"day off {diff.key[1]}" if diff.key[0] == "day off" else "rule for days off"
        click.echo(f"{what}: kept {diff.kept}, calendar {diff.counted}")
    counted = counted + per_unit + calendar
    kept = writing.differences(
        today=clock.today(),
        due_soon_days=current.due_soon_days,
        first=first,
        last=last,
        day_off_rolls=current.day_off_rolls,
    )
    for diff in kept[:limit]:
        what = (
            f"unit {diff.key[1]}" if diff.key[0] == "unit" else f"task {diff.key[0]} {diff.key[1]}"
        )
        click.echo(f"{diff.day} {what}: kept {diff.kept}, rebuilt {diff.rebuilt}")
    if counted or kept:
        raise click.ClickException(
            f"{len(counted)} counts and {len(kept)} daily figures differ from a full recount"
        )
    click.echo("counts and daily figures: match a full recount")


@rollups_command.command("rebuild")
@click.option("--from", "first", callback=iso_day, metavar="YYYY-MM-DD", help="First day.")
@click.option("--to", "last", callback=iso_day, metavar="YYYY-MM-DD", help="Last day.")
@with_appcontext
def rebuild_command(first, last) -> None:
    """Replace the maintained counts with a full recount; with --from (and --to, default
    yesterday) also write the figures of those closed days from the history."""
    from datetime import timedelta

    from tracker import clock, settings
    from tracker.extensions import db
    from tracker.services.rollups import check, writing

    rows = check.rebuild(settings.current().day_off_rolls)
    db.session.commit()
    click.echo(f"counts: {rows} rows rebuilt")
    if first is None:
        return
    today = clock.today()
    last = last or today - timedelta(days=1)
    if last >= today or first > last:
        raise click.BadParameter("give closed days: --from <= --to < today", param_hint="--to")
    current = settings.current()
    days = writing.write_range(
        first, last, today=today, due_soon_days=current.due_soon_days, now=clock.now(),
        day_off_rolls=current.day_off_rolls,
    )  # fmt: skip
    click.echo(f"daily figures: {len(days)} days written, {days[0]} to {days[-1]}")
