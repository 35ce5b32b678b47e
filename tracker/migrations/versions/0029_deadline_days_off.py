"""deadlines on days off: a task's own rule

A deadline falling on a day off ends at the end of the next working day by default
(DEADLINE_DAY_OFF_ROLLS); each task may keep the written date instead, or roll when the
deployment does not. NULL follows the setting, so existing tasks keep following it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_day_off_rolls', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('deadline_day_off_rolls')
