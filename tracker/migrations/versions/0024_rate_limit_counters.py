"""rate-limit counters in the database

Flask-Limiter's counts (sign-in, password reset, two-factor codes, API tokens) kept in a
table every web worker shares, when no Redis is configured: with memory:// each gunicorn
worker counted on its own, and an attacker got as many attempts as there were workers.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expiry', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters')),
    )
    # The purge deletes by expiry without reading the whole table.
    op.create_index(
        op.f('ix_rate_limit_counters_expiry'), 'rate_limit_counters', ['expiry'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_rate_limit_counters_expiry'), table_name='rate_limit_counters')
    op.drop_table('rate_limit_counters')
