"""``tracker demo``: load the programme's demo world."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only into a database with no units yet.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the 2024 programme demo data (idempotent: a second run changes nothing)."""
    from sqlalchemy import func, select

    from tracker import settings
    from tracker.extensions import db
    from tracker.models import Unit
    from tracker.services.demo.load import load_demo

    current = settings.current()
    if if_empty and db.session.scalar(select(func.count()).select_from(Unit)):
        click.echo(
            "The database already has data: demo not loaded. Demo accounts, where loaded "
            f"earlier, use the password {current.demo_password} (see README)."
        )
        return

    report = load_demo(password=current.demo_password, settings=current)
    click.echo(report.summary())
    click.echo("")
    click.echo(f"Demo password for every account: {current.demo_password}")
    for email, role in report.sample_logins:
        click.echo(f"  {role:<12} {email}")
