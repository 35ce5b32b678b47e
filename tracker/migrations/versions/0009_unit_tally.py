"""assignment counts per unit, kept by triggers, with open ones judged overdue at a day the
scheduler moves on at midnight; each closed day's unit scorecards; indexes for the "due
soon" list and the review queue

Unit scorecards and the dashboard's late units counted every assignment on every request.
Per unit, the counts are now kept per state and "overdue" (open: due before the counts'
day; submitted or completed: after the due date), with the days that make up the days
late: the sum of the days late of submitted and completed ones, and of the due dates
(days since 2000-01-01) of open overdue ones. ``rollup_clock`` holds the day open
assignments are judged at; moving it on is the scheduler's midnight job, which takes the
clock's row for update while every assignment change holds it shared (PostgreSQL), so no
change is judged at a day that is being replaced.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

KEY = 'unit_id, state, overdue'
UNIT_SNAPSHOT = ('total', 'not_applicable', 'completed_on_time', 'completed_late',
                 'open_on_track', 'open_overdue', 'awaiting_confirmation', 'days_late', 'late')
UPSERT = (
    f'ON CONFLICT ({KEY}) DO UPDATE SET n = unit_tally.n + excluded.n, '
    'days = unit_tally.days + excluded.days'
)
WORKING = "('assigned', 'in_progress')"
REPORTED = "('submitted', 'completed')"


def _columns(r, d, pg):
    """Return the key (unit, state, overdue at day ``d``) and the days of assignment row
    ``r``, as SQL."""
    if pg:
        ordinal = f"({r}.due_date - DATE '2000-01-01')"
        late = f'({r}.submitted_on - {r}.due_date)'
        true, false = 'true', 'false'
    else:
        ordinal = f"CAST(julianday({r}.due_date) - julianday('2000-01-01') AS INTEGER)"
        late = f'CAST(julianday({r}.submitted_on) - julianday({r}.due_date) AS INTEGER)'
        true, false = '1', '0'
    overdue_open = f'{r}.state IN {WORKING} AND {r}.due_date < {d}'
    reported_late = f'{r}.state IN {REPORTED} AND {r}.submitted_on > {r}.due_date'
    overdue = f'CASE WHEN {overdue_open} OR {reported_late} THEN {true} ELSE {false} END'
    days = f'CASE WHEN {overdue_open} THEN {ordinal} WHEN {reported_late} THEN {late} ELSE 0 END'
    return f'{r}.unit_id, {r}.state, {overdue}', days


def _pg_function(event, rows):
    return f"""
CREATE FUNCTION unit_tally_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d date;
BEGIN
  SELECT day INTO d FROM rollup_clock WHERE id = 1 FOR SHARE;
  d := COALESCE(d, DATE '0001-01-01');
  INSERT INTO unit_tally ({KEY}, n, days)
  SELECT k.unit_id, k.state, k.overdue, sum(k.s), sum(k.s * k.days)
  FROM ({rows}) AS k (unit_id, state, overdue, days, s)
  GROUP BY 1, 2, 3 HAVING sum(k.s) <> 0 OR sum(k.s * k.days) <> 0 ORDER BY 1, 2, 3
  {UPSERT};
  RETURN NULL;
END $$;"""


def _pg_upgrade():
    key, days = _columns('r', 'd', True)
    new = f'SELECT {key}, {days}, 1 FROM new_rows r'
    old = f'SELECT {key}, {days}, -1 FROM old_rows r'
    for event, tables, rows in (
        ('insert', 'NEW TABLE AS new_rows', new),
        ('delete', 'OLD TABLE AS old_rows', old),
        ('update', 'OLD TABLE AS old_rows NEW TABLE AS new_rows', f'{new} UNION ALL {old}'),
    ):
        op.execute(_pg_function(event, rows))
        op.execute(
            f'CREATE TRIGGER unit_tally_{event} AFTER {event.upper()} ON assignment '
            f'REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION unit_tally_{event}()'
        )


# Without its row (tables emptied by TRUNCATE), the clock stands at 0001-01-01: readers then
# add every open assignment due since, and the next roll writes the row again.
CLOCK = "(SELECT COALESCE((SELECT day FROM rollup_clock WHERE id = 1), '0001-01-01') AS day)"


def _sqlite_upsert(r, sign):
    # SQLite needs a WHERE in an INSERT ... SELECT that has an ON CONFLICT clause.
    key, days = _columns(r, 'c.day', False)
    return f"""
  INSERT INTO unit_tally ({KEY}, n, days)
  SELECT {key}, {sign}, {sign} * ({days}) FROM {CLOCK} c WHERE true
  {UPSERT};"""


def _sqlite_upgrade():
    op.execute(
        f'CREATE TRIGGER unit_tally_insert AFTER INSERT ON assignment BEGIN'
        f'{_sqlite_upsert("NEW", 1)}\nEND'
    )
    op.execute(
        f'CREATE TRIGGER unit_tally_delete AFTER DELETE ON assignment BEGIN'
        f'{_sqlite_upsert("OLD", -1)}\nEND'
    )
    op.execute(
        'CREATE TRIGGER unit_tally_update '
        'AFTER UPDATE OF unit_id, state, due_date, submitted_on ON assignment BEGIN'
        f'{_sqlite_upsert("OLD", -1)}{_sqlite_upsert("NEW", 1)}\nEND'
    )


def upgrade():
    op.create_table(
        'rollup_clock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_clock')),
    )
    op.create_table(
        'unit_tally',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('overdue', sa.Boolean(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('days', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('unit_id', 'state', 'overdue', name=op.f('pk_unit_tally')),
    )
    op.create_table(
        'unit_snapshot',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in UNIT_SNAPSHOT),
        sa.ForeignKeyConstraint(
            ['day'], ['snapshot_day.day'], name=op.f('fk_unit_snapshot_day_snapshot_day'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('day', 'unit_id', name=op.f('pk_unit_snapshot')),
    )
    # Days written before units had their scorecards kept: written again with them.
    op.execute('DELETE FROM snapshot_day')
    pg = op.get_bind().dialect.name == 'postgresql'
    op.execute(
        "INSERT INTO rollup_clock (id, day) VALUES (1, "
        + ("CURRENT_DATE)" if pg else "date('now'))")
    )
    key, days = _columns('a', 'c.day', pg)
    op.execute(
        f'INSERT INTO unit_tally ({KEY}, n, days) '
        f'SELECT {key}, count(*), sum({days}) FROM assignment a CROSS JOIN rollup_clock c '
        'GROUP BY 1, 2, 3'
    )
    _pg_upgrade() if pg else _sqlite_upgrade()
    open_work = sa.text("state IN ('assigned', 'in_progress')")
    # Not in batch mode: on SQLite a rebuilt table would lose its triggers.
    op.create_index(
        'ix_assignment_open_due', 'assignment', ['due_date'], unique=False,
        postgresql_where=open_work, sqlite_where=open_work,
    )
    op.create_index(
        'ix_assignment_state_submitted', 'assignment',
        ['state', 'submitted_on', 'updated_at', 'id'], unique=False,
    )


def downgrade():
    op.drop_index('ix_assignment_state_submitted', table_name='assignment')
    op.drop_index('ix_assignment_open_due', table_name='assignment')
    if op.get_bind().dialect.name == 'postgresql':
        for event in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER unit_tally_{event} ON assignment')
            op.execute(f'DROP FUNCTION unit_tally_{event}()')
    else:
        for event in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER unit_tally_{event}')
    op.drop_table('unit_snapshot')
    op.drop_table('unit_tally')
    op.drop_table('rollup_clock')
