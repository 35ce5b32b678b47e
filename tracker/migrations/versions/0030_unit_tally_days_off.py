"""per-unit counts judge deadlines on days off at their effective date

The triggers keeping ``unit_tally`` counted an assignment overdue from the day after its
written due date. Pages then took back, per unit, what the rule for deadlines on a day off
changes, reading every assignment due on a day off (a third of them at national scale).
They now look each due date up in ``day_off_offset`` (every day off's distance to the next
working day, from 2000 to ten years ahead, with the admin's overrides) and roll it when the
task's deadlines do: its own ``deadline_day_off_rolls``, else the deployment's rule, which
``rollup_clock.day_off_rolls`` records. A task whose rule changes has its assignments
counted again by a trigger on ``task``. The counts are recounted once here.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 10:00:00.000000

"""
from datetime import date

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

KEY = 'unit_id, state, overdue'
UPSERT = (
    f'ON CONFLICT ({KEY}) DO UPDATE SET n = unit_tally.n + excluded.n, '
    'days = unit_tally.days + excluded.days'
)
WORKING = "('assigned', 'in_progress')"
REPORTED = "('submitted', 'completed')"
FIRST_YEAR, HORIZON = 2000, 10  # as tracker.services.rollups.offsets


def _effective(rows, flag, rolls, pg, where='', day=None):
    """Return a SELECT of (unit_id, state, submitted_on, eff[, day]) over ``rows`` (a FROM
    clause whose assignment is ``a``, with ``o`` free for the offsets), ``eff`` being the
    effective deadline when the task's own rule is ``flag`` and the deployment's ``rolls``."""
    offset = f'CASE WHEN COALESCE({flag}, {rolls}) THEN COALESCE(o.days, 0) ELSE 0 END'
    if pg:
        eff = f'a.due_date + {offset}'
    else:
        eff = f"date(a.due_date, '+' || ({offset}) || ' days')"
    extra = f', {day} AS day' if day else ''
    return (
        f'SELECT a.unit_id, a.state, a.submitted_on, {eff} AS eff{extra} FROM {rows} '
        f'LEFT JOIN day_off_offset o ON o.day = a.due_date {where}'
    )


def _columns(d, pg):
    """Return the key (unit, state, overdue at day ``d``) and the days of an effective row
    ``r`` (see ``_effective``), as SQL."""
    if pg:
        ordinal = "(r.eff - DATE '2000-01-01')"
        late = '(r.submitted_on - r.eff)'
        true, false = 'true', 'false'
    else:
        ordinal = "CAST(julianday(r.eff) - julianday('2000-01-01') AS INTEGER)"
        late = 'CAST(julianday(r.submitted_on) - julianday(r.eff) AS INTEGER)'
        true, false = '1', '0'
    overdue_open = f'r.state IN {WORKING} AND r.eff < {d}'
    reported_late = f'r.state IN {REPORTED} AND r.submitted_on > r.eff'
    overdue = f'CASE WHEN {overdue_open} OR {reported_late} THEN {true} ELSE {false} END'
    days = f'CASE WHEN {overdue_open} THEN {ordinal} WHEN {reported_late} THEN {late} ELSE 0 END'
    return f'r.unit_id, r.state, {overdue}', days


def _pg_function(name, rows, guard=''):
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d date; rolls boolean; changed integer[];
BEGIN{guard}
  SELECT day, day_off_rolls INTO d, rolls FROM rollup_clock WHERE id = 1 FOR SHARE;
  d := COALESCE(d, DATE '0001-01-01');
  rolls := COALESCE(rolls, true);
  INSERT INTO unit_tally ({KEY}, n, days)
  SELECT k.unit_id, k.state, k.overdue, sum(k.s), sum(k.s * k.days)
  FROM ({rows}) AS k (unit_id, state, overdue, days, s)
  GROUP BY 1, 2, 3 HAVING sum(k.s) <> 0 OR sum(k.s * k.days) <> 0 ORDER BY 1, 2, 3
  {UPSERT};
  RETURN NULL;
END $$;"""


def _pg_upgrade():
    key, days = _columns('d', True)

    def rows(source, flag, sign, where=''):
        effective = _effective(source, flag, 'rolls', True, where)
        return f'SELECT {key}, {days}, {sign} FROM ({effective}) r'

    with_task = 'LEFT JOIN task t ON t.id = a.task_id'
    new = rows(f'new_rows a {with_task}', 't.deadline_day_off_rolls', 1)
    old = rows(f'old_rows a {with_task}', 't.deadline_day_off_rolls', -1)
    for event, rows_sql in (('insert', new), ('delete', old), ('update', f'{new} UNION ALL {old}')):
        op.execute(_pg_function(f'unit_tally_{event}', rows_sql))
    # A task's own rule changed: its assignments are taken out as counted under the old
    # rule and counted again under the new one.
    # Every other change of a task returns at once; the assignments of those whose rule
    # changed are found through the task index.
    guard = """
  SELECT array_agg(nt.id) INTO changed FROM old_tasks ot JOIN new_tasks nt ON nt.id = ot.id
  WHERE nt.deadline_day_off_rolls IS DISTINCT FROM ot.deadline_day_off_rolls;
  IF changed IS NULL THEN RETURN NULL; END IF;"""
    tasks = (
        'assignment a JOIN old_tasks ot ON ot.id = a.task_id JOIN new_tasks nt ON nt.id = ot.id'
    )
    where = 'WHERE a.task_id = ANY(changed)'
    before = rows(tasks, 'ot.deadline_day_off_rolls', -1, where)
    after = rows(tasks, 'nt.deadline_day_off_rolls', 1, where)
    op.execute(_pg_function('unit_tally_task_rule', f'{before} UNION ALL {after}', guard))
    op.execute(
        'CREATE TRIGGER unit_tally_task_rule AFTER UPDATE ON task '
        'REFERENCING OLD TABLE AS old_tasks NEW TABLE AS new_tasks '
        'FOR EACH STATEMENT EXECUTE FUNCTION unit_tally_task_rule()'
    )


# Without its row (tables emptied by TRUNCATE), the clock stands at 0001-01-01 and rolls.
CLOCK = (
    "(SELECT COALESCE((SELECT day FROM rollup_clock WHERE id = 1), '0001-01-01') AS day, "
    'COALESCE((SELECT day_off_rolls FROM rollup_clock WHERE id = 1), true) AS rolls)'
)


def _sqlite_upsert(source, flag, sign, where=''):
    # SQLite needs a WHERE in an INSERT ... SELECT that has an ON CONFLICT clause.
    key, days = _columns('r.day', False)
    rows = _effective(f'{source} CROSS JOIN {CLOCK} c', flag, 'c.rolls', False, where, 'c.day')
    return f"""
  INSERT INTO unit_tally ({KEY}, n, days)
  SELECT {key}, sum({sign}), sum({sign} * ({days})) FROM ({rows}) r
  WHERE true GROUP BY 1, 2, 3
  {UPSERT};"""


def _sqlite_row(r):
    """A FROM clause holding trigger row ``r`` (NEW or OLD) as ``a``, its task as ``t``."""
    return (
        f'(SELECT {r}.unit_id AS unit_id, {r}.state AS state, {r}.submitted_on AS submitted_on, '
        f'{r}.due_date AS due_date, {r}.task_id AS task_id) a '
        'LEFT JOIN task t ON t.id = a.task_id'
    )


def _sqlite_upgrade():
    for event in ('insert', 'delete', 'update'):
        op.execute(f'DROP TRIGGER unit_tally_{event}')
    flag = 't.deadline_day_off_rolls'
    op.execute(
        'CREATE TRIGGER unit_tally_insert AFTER INSERT ON assignment BEGIN'
        f'{_sqlite_upsert(_sqlite_row("NEW"), flag, 1)}\nEND'
    )
    op.execute(
        'CREATE TRIGGER unit_tally_delete AFTER DELETE ON assignment BEGIN'
        f'{_sqlite_upsert(_sqlite_row("OLD"), flag, -1)}\nEND'
    )
    op.execute(
        'CREATE TRIGGER unit_tally_update '
        'AFTER UPDATE OF unit_id, state, due_date, submitted_on, task_id ON assignment BEGIN'
        f'{_sqlite_upsert(_sqlite_row("OLD"), flag, -1)}'
        f'{_sqlite_upsert(_sqlite_row("NEW"), flag, 1)}\nEND'
    )
    where = 'WHERE a.task_id = NEW.id'
    op.execute(
        'CREATE TRIGGER unit_tally_task_rule AFTER UPDATE OF deadline_day_off_rolls ON task '
        'WHEN OLD.deadline_day_off_rolls IS NOT NEW.deadline_day_off_rolls BEGIN'
        f"{_sqlite_upsert('assignment a', 'OLD.deadline_day_off_rolls', -1, where)}"
        f"{_sqlite_upsert('assignment a', 'NEW.deadline_day_off_rolls', 1, where)}"
        '\nEND'
    )


def _fill_offsets(bind):
    """Write every day off's roll offset, with the admin's overrides, from 2000 to ten
    years ahead."""
    from tracker.domain.calendar import WorkCalendar
    from tracker.domain.days_off import day_offsets

    overrides = {}
    for day, working in bind.execute(sa.text('SELECT day, is_working FROM calendar_override')):
        overrides[day if isinstance(day, date) else date.fromisoformat(day)] = bool(working)
    found = day_offsets(WorkCalendar(overrides), FIRST_YEAR, date.today().year + HORIZON)
    table = sa.table('day_off_offset', sa.column('day', sa.Date), sa.column('days', sa.Integer))
    rows = [{'day': d, 'days': n} for d, n in sorted(found.items())]
    for start in range(0, len(rows), 1000):
        op.bulk_insert(table, rows[start:start + 1000])


def _recount(pg):
    """Count every assignment again, as the new triggers do."""
    key, days = _columns('r.day', pg)
    rows = _effective(
        f'assignment a CROSS JOIN {CLOCK} c LEFT JOIN task t ON t.id = a.task_id',
        't.deadline_day_off_rolls', 'c.rolls', pg, day='c.day',
    )
    op.execute('DELETE FROM unit_tally')
    op.execute(
        f'INSERT INTO unit_tally ({KEY}, n, days) '
        f'SELECT {key}, count(*), sum({days}) FROM ({rows}) r GROUP BY 1, 2, 3'
    )


def upgrade():
    pg = op.get_bind().dialect.name == 'postgresql'
    # Not in batch mode: on SQLite a rebuilt table would break the triggers reading it.
    op.add_column(
        'rollup_clock',
        sa.Column('day_off_rolls', sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        'day_off_offset',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_day_off_offset')),
    )
    _fill_offsets(op.get_bind())
    _pg_upgrade() if pg else _sqlite_upgrade()
    _recount(pg)


def downgrade():
    import importlib.util
    from pathlib import Path

    # The triggers of 0009 again, with their counts.
    spec = importlib.util.spec_from_file_location(
        'unit_tally_0009', Path(__file__).with_name('0009_unit_tally.py')
    )
    before = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(before)
    pg = op.get_bind().dialect.name == 'postgresql'
    if pg:
        op.execute('DROP TRIGGER unit_tally_task_rule ON task')
        op.execute('DROP FUNCTION unit_tally_task_rule()')
        for event in ('insert', 'delete', 'update'):
            op.execute(f'DROP FUNCTION unit_tally_{event}() CASCADE')
        before._pg_upgrade()
    else:
        for event in ('insert', 'delete', 'update', 'task_rule'):
            op.execute(f'DROP TRIGGER unit_tally_{event}')
        before._sqlite_upgrade()
    key, days = before._columns('a', 'c.day', pg)
    op.execute('DELETE FROM unit_tally')
    op.execute(
        f'INSERT INTO unit_tally ({KEY}, n, days) '
        f'SELECT {key}, count(*), sum({days}) FROM assignment a CROSS JOIN rollup_clock c '
        'GROUP BY 1, 2, 3'
    )
    op.drop_table('day_off_offset')
    op.drop_column('rollup_clock', 'day_off_rolls')
