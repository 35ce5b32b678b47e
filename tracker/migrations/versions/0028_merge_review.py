"""an assignment a reorganisation unsettled waits for a coordinator's decision

When units merge and one of them still had a task open that its successor had already
completed (or been exempted from), the successor's assignment goes back for review instead
of the obligation vanishing; ``merge_review`` says which units' obligation it now carries.

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-04 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    # Not batch mode: rebuilding the table on SQLite would drop its count-keeping triggers.
    op.add_column('assignment', sa.Column('merge_review', sa.JSON(), nullable=True))


def downgrade():
    op.execute('ALTER TABLE assignment DROP COLUMN merge_review')
