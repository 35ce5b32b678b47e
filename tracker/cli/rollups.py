"""``tracker rollups``: check the maintained counts against a full recount, or rebuild them."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("rollups")
def rollups_command() -> None:
    """The counts the dashboard and reports read instead of every assignment."""


@rollups_command.command("check")
@click.option("--limit", default=20, show_default=True, help="Differences to print at most.")
@with_appcontext
def check_command(limit: int) -> None:
    """Compare the maintained counts with a full recount; exit 1 on any difference."""
    from tracker.services.rollups import check

    found = check.differences()
    for diff in found[:limit]:
        task_id, group, state, due, late = diff.key
        click.echo(
            f"task {task_id} {group} {state} due {due} late {late}: "
            f"kept {diff.kept}, counted {diff.counted}"
        )
    if found:
        raise click.ClickException(f"{len(found)} counts differ from a full recount")
    click.echo("counts: match a full recount")


@rollups_command.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Replace the maintained counts with a full recount."""
    from tracker.extensions import db
    from tracker.services.rollups import check

    rows = check.rebuild()
    db.session.commit()
    click.echo(f"counts: {rows} rows rebuilt")
