"""``tracker import units|users|tasks FILE``: the bulk import from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.services.imports.importing import KINDS


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--invite", is_flag=True, help="Email new accounts a link to choose a password.")
@click.option("--as", "as_email", metavar="EMAIL", help="Record the import as done by this user.")
@with_appcontext
def import_command(kind: str, path: str, dry_run: bool, invite: bool, as_email: str | None):
    """Import units, users or tasks from a CSV or XLSX file (all rows or none)."""
    from flask_babel import force_locale
    from sqlalchemy import func, select

    from tracker import clock, settings
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services.errors import ServiceError
    from tracker.services.imports.importing import run_import

    actor = None
    if as_email:
        actor = db.session.scalar(select(User).where(func.lower(User.email) == as_email.lower()))
        if actor is None or not actor.active:
            raise click.BadParameter("no active user has this email", param_hint="--as")
    current = settings.current()
    with open(path, "rb") as f:
        # One byte over the limit is enough for the service to refuse the file.
        data = f.read(current.import_max_bytes + 1)
    # Messages speak the acting user's language, else the default one.
    language = actor.language if actor is not None else current.default_language
    try:
        with force_locale(language):
            result = run_import(
                kind,
                data,
                actor=actor,
                now=clock.now(),
                settings=current,
                dry_run=dry_run,
                invite=invite,
            )
    except ServiceError as error:
        click.echo(f"{path}: {error.message}", err=True)
        raise SystemExit(1) from None
    if not result.ok:
        for error in result.errors:
            click.echo(f"line {error.line}: {error.column}: {error.message}", err=True)
        click.echo(f"{path}: {len(result.errors)} error(s), nothing imported.", err=True)
        raise SystemExit(1)
    for name in result.created:
        click.echo(f"  + {name}")
    for name in result.updated:
        click.echo(f"  ~ {name}")
    summary = (
        f"{kind}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{result.unchanged} unchanged"
    )
    if kind == "tasks":
        summary += f", {result.assignments} assignments added"
    click.echo(f"{summary} ({'dry run: nothing written' if dry_run else 'saved'}).")
    if invite and not dry_run:
        click.echo(f"Invitations queued: {result.invited} (the outbox's sender emails them).")


@click.command("import-jobs")
@with_appcontext
def import_jobs_command():
    """Run the large imports waiting in the background (the scheduler runs them too)."""
    from tracker import clock, settings
    from tracker.services.imports import jobs

    ran = jobs.run_pending(settings.current(), clock.now, most=1000)
    click.echo(f"{ran} background import(s) run.")
