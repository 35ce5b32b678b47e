"""the figures of each closed day, kept for reports as of that day and the progress chart

A report as of a past day rebuilt every assignment from the history (2 million revisions
at national scale, seconds per page), and the progress chart did so over the whole history
on every report. Each closed day's figures per task and group are now written once (by the
scheduler, or ``tracker rollups rebuild``) and read back.

Triggers drop a day's figures when its past changes: a revision written or deleted on or
before it (a merger recorded after its effective day, an assignment removed), a unit's end
of office or successor from that day on, any unit's group (reports name units by their
present group). Until written again, such days are read from the history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COUNTS = ('total', 'not_applicable', 'completed_on_time', 'completed_late', 'open_on_track',
          'open_overdue', 'awaiting_confirmation', 'overdue_1_7', 'overdue_8_30',
          'overdue_31_90', 'overdue_90_plus')

# From which day a unit's change alters the past: its end of office, before or after.
PG_UNIT = """
CREATE FUNCTION snapshot_day_unit_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."group" IS DISTINCT FROM NEW."group" THEN
    DELETE FROM snapshot_day;
  ELSIF OLD.valid_to IS DISTINCT FROM NEW.valid_to
        OR OLD.successor_id IS DISTINCT FROM NEW.successor_id THEN
    DELETE FROM snapshot_day WHERE day >= LEAST(OLD.valid_to, NEW.valid_to);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER snapshot_day_unit_changed AFTER UPDATE OF "group", valid_to, successor_id
  ON unit FOR EACH ROW EXECUTE FUNCTION snapshot_day_unit_changed();
"""


def _pg_revisions():
    for event, table in (('insert', 'new_rows'), ('delete', 'old_rows')):
        op.execute(f"""
CREATE FUNCTION snapshot_day_revision_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM snapshot_day WHERE day >= (SELECT min(day) FROM {table});
  RETURN NULL;
END $$;
CREATE TRIGGER snapshot_day_revision_{event} AFTER {event.upper()} ON assignment_revision
  REFERENCING {'NEW' if event == 'insert' else 'OLD'} TABLE AS {table}
  FOR EACH STATEMENT EXECUTE FUNCTION snapshot_day_revision_{event}();
""")


def _sqlite_triggers():
    op.execute(
        'CREATE TRIGGER snapshot_day_revision_insert AFTER INSERT ON assignment_revision '
        'BEGIN DELETE FROM snapshot_day WHERE day >= NEW.day; END'
    )
    op.execute(
        'CREATE TRIGGER snapshot_day_revision_delete AFTER DELETE ON assignment_revision '
        'BEGIN DELETE FROM snapshot_day WHERE day >= OLD.day; END'
    )
    op.execute(
        'CREATE TRIGGER snapshot_day_unit_group AFTER UPDATE OF "group" ON unit '
        'WHEN OLD."group" IS NOT NEW."group" BEGIN DELETE FROM snapshot_day; END'
    )
    # min() of two values is NULL when either is: a unit that never ended changes nothing.
    op.execute(
        'CREATE TRIGGER snapshot_day_unit_office AFTER UPDATE OF valid_to, successor_id ON unit '
        'WHEN OLD.valid_to IS NOT NEW.valid_to OR OLD.successor_id IS NOT NEW.successor_id '
        'BEGIN DELETE FROM snapshot_day WHERE day >= min(coalesce(OLD.valid_to, NEW.valid_to), '
        'coalesce(NEW.valid_to, OLD.valid_to)); END'
    )


def upgrade():
    op.create_table(
        'snapshot_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_snapshot_day')),
    )
    op.create_table(
        'tally_snapshot',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('unit_group', sa.String(length=10), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ['day'], ['snapshot_day.day'], name=op.f('fk_tally_snapshot_day_snapshot_day'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('day', 'task_id', 'unit_group', name=op.f('pk_tally_snapshot')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        _pg_revisions()
        op.execute(PG_UNIT)
    else:
        _sqlite_triggers()


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for event in ('insert', 'delete'):
            op.execute(f'DROP TRIGGER snapshot_day_revision_{event} ON assignment_revision')
            op.execute(f'DROP FUNCTION snapshot_day_revision_{event}()')
        op.execute('DROP TRIGGER snapshot_day_unit_changed ON unit')
        op.execute('DROP FUNCTION snapshot_day_unit_changed()')
    else:
        for name in ('revision_insert', 'revision_delete', 'unit_group', 'unit_office'):
            op.execute(f'DROP TRIGGER snapshot_day_{name}')
    op.drop_table('tally_snapshot')
    op.drop_table('snapshot_day')
