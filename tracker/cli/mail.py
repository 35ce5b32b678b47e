"""``tracker mailcatcher``: keep outgoing mail locally in the embedded mode."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("mailcatcher")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=1025, show_default=True, type=int)
@with_appcontext
def mailcatcher_command(host: str, port: int) -> None:
    """Keep outgoing mail locally (embedded mode) for administrators to read at /mailbox."""
    from pathlib import Path

    from flask import current_app

    from tracker import mailcatcher

    directory = Path(current_app.config["MAIL_CATCHER_DIR"] or "")
    if not current_app.config["MAIL_CATCHER_DIR"]:
        raise click.UsageError("Set MAIL_CATCHER_DIR (TRACKER_MAIL_CATCHER_DIR) first.")
    click.echo(f"Keeping mail sent to {host}:{port} in {directory}")
    mailcatcher.serve(directory, host, port)
