"""``tracker reorganise 2025``: apply the real 2025 mergers of ministries and provinces."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.cli.options import today_option


def _line(step, result, dry_run: bool) -> list[str]:
    """Return the lines that tell what a step did (or would do)."""
    move, merge = ("would move", "would merge") if dry_run else ("moved", "merged")
    lines = [
        f"  {move} {result.total('moved')} open assignments, {merge} {result.total('merged')} "
        f"into an assignment of the same task; {result.closed_units} units merged into "
        f"{len(result.mergers)} successors ({sum(m.created_unit for m in result.mergers)} new), "
        f"{result.total('users')} people moved, "
        f"{result.total('extensions_closed')} pending extension requests closed",
    ]
    lines += [f"  renamed {unit.code}: {unit.name}" for unit in result.renamed]
    for task_id, (moved, merged) in sorted(result.by_task().items()):
        lines.append(f"    {result.task_titles[task_id]}: {moved} moved, {merged} merged")
    if result.reviews:
        put = "would go" if dry_run else "went"
        lines.append(
            f"  {len(result.reviews)} assignments the successors had settled {put} back for a "
            "coordinator's decision, a merged unit still having them open:"
        )
        lines += [
            f"    {result.task_titles[r.task_id]}: {r.was} -> {r.becomes} "
            f"(open at {', '.join(r.sources)})"
            for r in result.reviews
        ]
    return lines


def _run(step, *, dry_run: bool, now, settings) -> None:
    from tracker.extensions import db
    from tracker.services.demo.successors import ensure_successor_accounts
    from tracker.services.reorganisation import merging, year2025

    click.echo(f"{step.name.capitalize()}, from {step.plan.effective:%d/%m/%Y}:")
    if step.missing:
        click.echo(f"  not in this database (skipped): {', '.join(step.missing)}")
    if not step.pending:
        new_ids = year2025.new_unit_ids(step)
        click.echo("  already applied: nothing changed.")
        click.echo(
            f"  open assignments of the {len(new_ids)} units of 2025: "
            f"{year2025.open_count(new_ids)}"
        )
        return
    before = year2025.open_count(step.old_ids)
    click.echo(f"  open assignments of the {len(step.old_ids)} units of 2024: {before}")
    run = merging.preview_plan if dry_run else merging.apply_plan
    result = run(step.plan, actor=None, now=now, zone=settings.zone)
    for line in _line(step, result, dry_run):
        click.echo(line)
    # A merged obligation stays open: in its successor's open assignment, or in a settled
    # one put back for review.
    expected = before - result.total("merged") + len(result.reviews)
    if dry_run:
        click.echo(f"  open assignments of the units of 2025 afterwards: {expected}")
        click.echo("  dry run: nothing was changed.")
        return
    new_ids = year2025.new_unit_ids(step)
    accounts = ensure_successor_accounts(
        new_ids, settings.demo_password, now, method=settings.password_method
    )
    db.session.commit()
    if accounts:
        click.echo(f"  demo focal point accounts created for new units: {accounts}")
    merged_ids = [uid for merger in step.plan.mergers for uid in merger.sources]
    click.echo(
        f"  open assignments left on the {len(merged_ids)} merged units: "
        f"{year2025.open_count(merged_ids)}"
    )
    click.echo(
        f"  open assignments of the {len(new_ids)} units of 2025: "
        f"{year2025.open_count(new_ids)} (expected {expected})"
    )


@click.command("reorganise")
@click.argument("year", type=click.Choice(["2025"]))
@click.option(
    "--ministries/--no-ministries", default=True, show_default=True, help="Merge the ministries."
)
@click.option(
    "--provinces/--no-provinces", default=True, show_default=True, help="Merge the provinces."
)
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@today_option
@with_appcontext
def reorganise_command(year: str, ministries: bool, provinces: bool, dry_run: bool, today) -> None:
    """Apply the real 2025 mergers: ministries from 01/03/2025, provinces from 01/07/2025.

    Open assignments pass to the successors; history stays with the old units. A second
    run says it is already applied and changes nothing.
    """
    from flask_babel import force_locale

    from tracker import clock, settings
    from tracker.services.errors import ServiceError
    from tracker.services.reorganisation import year2025

    builders = [
        (wanted, effective, build)
        for wanted, effective, build in (
            (ministries, year2025.MINISTRIES_EFFECTIVE, year2025.ministries_step),
            (provinces, year2025.PROVINCES_EFFECTIVE, year2025.provinces_step),
        )
        if wanted
    ]
    # Without --today, the clock's own today (TRACKER_TODAY fixes it).
    now = clock.now() if today is None else clock.now_on(today)
    today = clock.local_date(now)
    for _wanted, effective, _build in builders:
        if effective > today:
            raise click.ClickException(
                f"The merger of {effective:%d/%m/%Y} is after today ({today:%d/%m/%Y}): "
                "a reorganisation is recorded when it takes effect. Pass --today or set "
                "TRACKER_TODAY."
            )
    current = settings.current()
    with force_locale("en"):
        for _wanted, _effective, build in builders:
            try:
                _run(build(), dry_run=dry_run, now=now, settings=current)
            except ServiceError as error:
                raise click.ClickException(error.message) from error
