"""``tracker two-factor reset EMAIL``: turn an account's two-factor sign-in off from the
server, for whoever no administrator can help (the only administrator lost both their
phone and their recovery codes). Administrators otherwise reset it on the user's page."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("two-factor")
def two_factor_command() -> None:
    """Two-factor sign-in of accounts."""


@two_factor_command.command("reset")
@click.argument("email")
@with_appcontext
def reset_command(email: str) -> None:
    """Turn off EMAIL's two-factor sign-in and sign them out everywhere (in the audit log);
    if their role requires it, they set up an app again at their next sign-in."""
    from tracker import clock
    from tracker.services.errors import ServiceError
    from tracker.services.two_factor import enrolment

    try:
        user = enrolment.reset_by_email(email, now=clock.now())
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Two-factor sign-in of {user.email} is off; their sessions have ended.")
