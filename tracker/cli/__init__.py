"""The ``tracker`` command: Flask's CLI bound to our factory (``tracker db upgrade``,
``tracker run``, ``tracker shell``) plus our own commands, one module per command group.

The app does not know its commands: this group adds them, so nothing imports the CLI.
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from tracker.cli import (
    backup,
    demo,
    imports,
    mail,
    recurrence,
    reminders,
    reorganisation,
    reports,
    rollups,
    scheduler,
    send,
    two_factor,
)

COMMANDS = (
    demo.demo_command,
    reminders.remind_command,
    recurrence.recur_command,
    scheduler.scheduler_command,
    send.send_command,
    mail.mailcatcher_command,
    imports.import_command,
    imports.import_jobs_command,
    reports.report_command,
    rollups.rollups_command,
    reorganisation.reorganise_command,
    backup.backup_command,
    backup.restore_command,
    two_factor.two_factor_command,
)


def _create_app():
    from tracker.app import create_app

    return create_app()


def build() -> FlaskGroup:
    """Return the ``tracker`` command group with every command of the app."""
    group = FlaskGroup(create_app=_create_app, help="tracker: deadline and compliance tracker")
    for command in COMMANDS:
        group.add_command(command)
    return group


cli = build()


def main() -> None:
    """Entry point of the ``tracker`` console script (no ``--app`` needed)."""
    cli.main()
