"""``tracker backup`` and ``tracker restore``: the database, the evidence files and the
instance's configuration in one archive with checksums, and back into an empty install."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The archive to write (.tar.gz).",
)
@with_appcontext
def backup_command(output: Path) -> None:
    """Write the database (PostgreSQL: pg_dump's custom format; SQLite: an online copy),
    every evidence file and instance/config.py to one archive with a manifest of checksums.
    The app may keep running meanwhile."""
    from tracker import clock, settings
    from tracker.services import backups

    try:
        manifest = backups.create(
            output,
            upload_folder=settings.current().upload_folder,
            instance_path=current_app.instance_path,
            now=clock.now(),
        )
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    files = sum(1 for f in manifest["files"] if f["name"].startswith(backups.UPLOADS + "/"))
    size = output.stat().st_size
    click.echo(
        f"backup written to {output}: {manifest['backend']} database at revision "
        f"{manifest['revision']}, {files} evidence file(s), {size:,} bytes"
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive: Path) -> None:
    """Restore a backup into this install: its database must be empty (create it, do not
    migrate it) and its upload folder empty. Every checksum is checked before anything is
    written; instance/config.py is put back only where there is none."""
    from tracker import settings
    from tracker.services import backups

    try:
        done = backups.restore(
            archive,
            upload_folder=settings.current().upload_folder,
            instance_path=current_app.instance_path,
        )
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    config = {
        "restored": "instance/config.py restored",
        "kept": "instance/config.py kept as it was (the backup's copy was not written)",
        "none": "no instance/config.py in the backup",
    }[done.config]
    click.echo(
        f"restored a {done.backend} database at revision {done.revision} and "
        f"{done.files} evidence file(s); {config}"
    )
