"""The ``tracker`` command: Flask's CLI bound to our factory, plus our own commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def main() -> None:
    """Entry point of the ``tracker`` console script (no ``--app`` needed)."""
    from tracker.app import create_app

    FlaskGroup(
        create_app=lambda: create_app(), help="tracker: deadline and compliance tracker"
    ).main()


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only into a database with no units yet.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the 2024 programme demo data (idempotent: a second run changes nothing)."""
    from flask import current_app
    from sqlalchemy import func, select

    from tracker.extensions import db
    from tracker.models import Unit
    from tracker.services.demo import load_demo

    if if_empty and db.session.scalar(select(func.count()).select_from(Unit)):
        click.echo(
            "The database already has data: demo not loaded. Demo accounts, where loaded "
            f"earlier, use the password {current_app.config['DEMO_PASSWORD']} (see README)."
        )
        return

    report = load_demo(password=current_app.config["DEMO_PASSWORD"])
    click.echo(report.summary())
    click.echo("")
    click.echo(f"Demo password for every account: {current_app.config['DEMO_PASSWORD']}")
    for email, role in report.sample_logins:
        click.echo(f"  {role:<12} {email}")


def _fix_today(today: str | None) -> None:
    from datetime import date

    from flask import current_app

    if today:
        try:
            date.fromisoformat(today)
        except ValueError as exc:
            raise click.BadParameter("expected YYYY-MM-DD", param_hint="--today") from exc
        current_app.config["TODAY"] = today


@click.command("remind")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.option("--today", metavar="YYYY-MM-DD", help="Run as of this date (default: TRACKER_TODAY).")
@with_appcontext
def remind_command(dry_run: bool, today: str | None) -> None:
    """Run one reminder sweep now (usable from system cron instead of the scheduler)."""
    from tracker import clock
    from tracker.services.reminders.sweep import log_sweep, run_sweep

    _fix_today(today)
    report = run_sweep(clock.now(), dry_run=dry_run)
    log_sweep(report)
    if report.skipped:
        click.echo(f"{report.today}: nothing sent ({report.skipped}).")
        return
    verb = "would send" if dry_run else "sent"
    for recipient, items in sorted(report.plan.items()):
        click.echo(f"{recipient}: {len(items)} item(s)")
        for item in items:
            click.echo(f"    {item}")
    click.echo(
        f"{report.today}: {report.planned} notices planned, {report.unreachable} unreachable; "
        + (
            f"{verb} to {len(report.plan)} recipients."
            if dry_run
            else f"{report.sent} emails sent, {report.failed} failed, "
            f"{report.cancelled} items cancelled at send time."
        )
    )


@click.command("recur")
@click.option("--dry-run", is_flag=True, help="Print what would be created; create nothing.")
@click.option("--today", metavar="YYYY-MM-DD", help="Run as of this date (default: TRACKER_TODAY).")
@with_appcontext
def recur_command(dry_run: bool, today: str | None) -> None:
    """Generate the recurring tasks whose period has come (idempotent: safe to rerun)."""
    from tracker import clock
    from tracker.i18n import format_day
    from tracker.services.recurrence import generate_due_occurrences

    _fix_today(today)
    report = generate_due_occurrences(clock.today(), now=clock.now(), dry_run=dry_run)
    verb = "would create" if dry_run else "created"
    for item in report.occurrences:
        click.echo(
            f"{verb}: {item.title} (due {format_day(item.deadline)}, {item.units} unit(s))"
            + (f" task #{item.task_id}" if item.task_id else "")
        )
    for item in report.without_units:
        click.echo(f"no unit matches, not created: {item.title}")
    for series_id in report.broken:
        click.echo(f"recurring task #{series_id} has an unreadable rule: skipped")
    if report.raced:
        click.echo("another process generated these periods meanwhile: nothing created.")
    click.echo(f"{report.today}: {len(report.occurrences)} occurrence(s) {verb}.")


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


def init_app(app: Flask) -> None:
    for command in (
        demo_command,
        remind_command,
        recur_command,
        scheduler_command,
        mailcatcher_command,
    ):
        app.cli.add_command(command)
