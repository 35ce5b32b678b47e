"""``tracker send``: deliver the outbox, continuously or once (from system cron)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

# --once exits with this when mail was due but the mail server could not be reached at all.
UNREACHABLE_EXIT = 75  # EX_TEMPFAIL: try again later


@click.command("send")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron).")
@click.option(
    "--retry-failed",
    is_flag=True,
    help="First put every failed email back in the queue (attempts reset), then deliver.",
)
@with_appcontext
def send_command(once: bool, retry_failed: bool) -> None:
    """Deliver the outbox: run until stopped (SIGTERM or Ctrl+C finishes the messages in
    flight), or with --once deliver what is due now and exit.

    Not needed beside `tracker scheduler`, which runs it as a child process. With --once,
    the exit status is 75 (EX_TEMPFAIL) when mail was due but the mail server could not be
    reached: nothing is lost, the next run sends it.
    """
    import signal
    import threading

    from flask import current_app

    from tracker import clock, scheduler
    from tracker.services.outbox import admin
    from tracker.services.outbox.sender import SendReport

    app = current_app._get_current_object()
    if retry_failed:
        count = admin.retry_failed(clock.now())
        click.echo(f"{count} failed email(s) put back in the queue.")
    stop = threading.Event()
    total = SendReport()

    def _stop(signum, frame) -> None:
        stop.set()
        # A second signal stops at once.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    def _count(report: SendReport) -> None:
        nonlocal total
        total += report
        if not report.idle:
            click.echo(_summary(report))
        if report.unreachable:
            click.echo(f"Mail server unreachable: {report.server_error}", err=True)

    if once:
        _count(scheduler.send_pass(app, stop))
    else:
        scheduler.sender_loop(app, stop, _count)
    click.echo(f"Done: {_summary(total)}.")
    if once and total.unreachable and not total.sent:
        raise SystemExit(UNREACHABLE_EXIT)


def _summary(report) -> str:
    return (
        f"{report.sent} sent, {report.retrying} to retry later, {report.failed} failed, "
        f"{report.cancelled} cancelled; {report.webhooks} webhook deliveries"
    )
