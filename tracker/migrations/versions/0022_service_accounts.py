"""service accounts: accounts another system uses through the API, never a person

A service account holds API tokens made by an administrator; it has a role (and a unit for
a focal point's) like a person's, so the API applies the same rules, but it cannot sign in
to the pages and receives no email or notification.

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-04 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch:
        batch.add_column(
            sa.Column('is_service', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('user') as batch:
        batch.drop_column('is_service')
