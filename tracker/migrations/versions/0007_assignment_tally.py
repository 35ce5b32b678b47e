"""assignment counts per task, group, state, due date and days late, kept by triggers

The dashboard and the reports counted every assignment on every request. The counts are
now kept current by triggers on ``assignment`` (and on ``unit`` when a unit changes group),
in the same transaction as every change, whatever statement makes it: single actions, bulk
assignment, imports, mergers. On PostgreSQL the triggers run once per statement over its
transition tables, so assigning a task to thousands of units updates each count once, in
key order (two transactions then wait for each other instead of deadlocking); on SQLite
they run per row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KEY = 'task_id, unit_group, state, due_date, late_days'
UNIT_GROUP = 'u."group"'
UPSERT = f'ON CONFLICT ({KEY}) DO UPDATE SET n = assignment_tally.n + excluded.n'


def _keys(r, group, pg):
    """The tally key of assignment row ``r`` in units of ``group``; a missing due date is
    9999-12-31 (never overdue); days late count for submitted and completed rows only."""
    days = (
        f'({r}.submitted_on - {r}.due_date)'
        if pg
        else f'CAST(julianday({r}.submitted_on) - julianday({r}.due_date) AS INTEGER)'
    )
    late = (
        f"CASE WHEN {r}.state IN ('submitted', 'completed') AND {r}.submitted_on > {r}.due_date "
        f'THEN {days} ELSE 0 END'
    )
    due = f"COALESCE({r}.due_date, {'DATE ' if pg else ''}'9999-12-31')"
    return f'{r}.task_id, {group}, {r}.state, {due}, {late}'


def _pg_rows(table, sign):
    return (
        f'SELECT {_keys("r", UNIT_GROUP, True)}, {sign} AS d '
        f'FROM {table} r JOIN unit u ON u.id = r.unit_id'
    )


def _pg_apply(rows):
    return f"""
  INSERT INTO assignment_tally ({KEY}, n)
  SELECT k.task_id, k.unit_group, k.state, k.due_date, k.late_days, sum(k.d)
  FROM ({rows}) AS k (task_id, unit_group, state, due_date, late_days, d)
  GROUP BY 1, 2, 3, 4, 5 HAVING sum(k.d) <> 0 ORDER BY 1, 2, 3, 4, 5
  {UPSERT};"""


PG_EVENTS = {
    # event: (transition tables declared, rows counted)
    'insert': ('NEW TABLE AS new_rows', _pg_rows('new_rows', 1)),
    'delete': ('OLD TABLE AS old_rows', _pg_rows('old_rows', -1)),
    'update': (
        'OLD TABLE AS old_rows NEW TABLE AS new_rows',
        f"{_pg_rows('new_rows', 1)} UNION ALL {_pg_rows('old_rows', -1)}",
    ),
}

PG_REGROUP = f"""
CREATE FUNCTION assignment_tally_regroup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO assignment_tally ({KEY}, n)
  SELECT {_keys('a', 'g.unit_group', True)}, sum(g.d)
  FROM assignment a CROSS JOIN (VALUES (OLD."group", -1), (NEW."group", 1)) AS g (unit_group, d)
  WHERE a.unit_id = NEW.id
  GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  {UPSERT};
  RETURN NULL;
END $$;
CREATE TRIGGER assignment_tally_regroup AFTER UPDATE OF "group" ON unit
  FOR EACH ROW WHEN (OLD."group" IS DISTINCT FROM NEW."group")
  EXECUTE FUNCTION assignment_tally_regroup();
"""


def _pg_upgrade():
    # A function may read only the transition tables its trigger declares: one per event.
    for event, (tables, rows) in PG_EVENTS.items():
        op.execute(f"""
CREATE FUNCTION assignment_tally_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_pg_apply(rows)}
  RETURN NULL;
END $$;
CREATE TRIGGER assignment_tally_{event} AFTER {event.upper()} ON assignment
  REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION assignment_tally_{event}();
""")
    op.execute(PG_REGROUP)


def _sqlite_upsert(r, sign):
    # SQLite needs a WHERE in an INSERT ... SELECT that has an ON CONFLICT clause.
    return f"""
  INSERT INTO assignment_tally ({KEY}, n)
  SELECT {_keys(r, UNIT_GROUP, False)}, {sign} FROM unit u WHERE u.id = {r}.unit_id
  {UPSERT};"""


def _sqlite_upgrade():
    op.execute(
        f'CREATE TRIGGER assignment_tally_insert AFTER INSERT ON assignment BEGIN'
        f'{_sqlite_upsert("NEW", 1)}\nEND'
    )
    op.execute(
        f'CREATE TRIGGER assignment_tally_delete AFTER DELETE ON assignment BEGIN'
        f'{_sqlite_upsert("OLD", -1)}\nEND'
    )
    op.execute(
        'CREATE TRIGGER assignment_tally_update '
        'AFTER UPDATE OF task_id, unit_id, state, due_date, submitted_on ON assignment BEGIN'
        f'{_sqlite_upsert("OLD", -1)}{_sqlite_upsert("NEW", 1)}\nEND'
    )
    regroup = []
    for group, sign in (('OLD."group"', -1), ('NEW."group"', 1)):
        regroup.append(f"""
  INSERT INTO assignment_tally ({KEY}, n)
  SELECT {_keys('a', group, False)}, {sign} * count(*) FROM assignment a WHERE a.unit_id = NEW.id
  GROUP BY 1, 2, 3, 4, 5
  {UPSERT};""")
    op.execute(
        'CREATE TRIGGER assignment_tally_regroup AFTER UPDATE OF "group" ON unit '
        f'WHEN OLD."group" IS NOT NEW."group" BEGIN{"".join(regroup)}\nEND'
    )


def upgrade():
    op.create_table(
        'assignment_tally',
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('unit_group', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('late_days', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            'task_id', 'unit_group', 'state', 'due_date', 'late_days',
            name=op.f('pk_assignment_tally'),
        ),
    )
    pg = op.get_bind().dialect.name == 'postgresql'
    op.execute(
        f'INSERT INTO assignment_tally ({KEY}, n) '
        f'SELECT {_keys("a", UNIT_GROUP, pg)}, count(*) '
        'FROM assignment a JOIN unit u ON u.id = a.unit_id GROUP BY 1, 2, 3, 4, 5'
    )
    _pg_upgrade() if pg else _sqlite_upgrade()


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for event in (*PG_EVENTS, 'regroup'):
            table = 'unit' if event == 'regroup' else 'assignment'
            op.execute(f'DROP TRIGGER assignment_tally_{event} ON {table}')
            op.execute(f'DROP FUNCTION assignment_tally_{event}()')
    else:
        for event in ('insert', 'delete', 'update', 'regroup'):
            op.execute(f'DROP TRIGGER assignment_tally_{event}')
    op.drop_table('assignment_tally')
