"""``tracker scheduler``: the process that runs the reminder and recurrence jobs."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the reminder scheduler (exactly one per deployment; never in web workers)."""
    import logging

    from flask import current_app

    from tracker import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    current_app.logger.setLevel(logging.INFO)
    scheduler.run(current_app._get_current_object())
