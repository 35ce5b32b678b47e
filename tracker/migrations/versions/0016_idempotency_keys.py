"""the answers to API POSTs sent with an Idempotency-Key, kept a day for retries

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 18:20:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['token_id'], ['api_token.id'],
            name=op.f('fk_idempotency_key_token_id_api_token'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
        sa.UniqueConstraint('token_id', 'key', name=op.f('uq_idempotency_key_token_id_key')),
    )
    op.create_index(
        op.f('ix_idempotency_key_created_at'), 'idempotency_key', ['created_at'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_idempotency_key_created_at'), table_name='idempotency_key')
    op.drop_table('idempotency_key')
