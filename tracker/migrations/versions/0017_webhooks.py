"""webhook endpoints and their deliveries, an outbox beside the email one

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 18:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_endpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('kinds', sa.String(length=500), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['user.id'], name=op.f('fk_webhook_endpoint_created_by_id_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint')),
    )
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('event_type', sa.String(length=50), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['endpoint_id'], ['webhook_endpoint.id'],
            name=op.f('fk_webhook_delivery_endpoint_id_webhook_endpoint'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    )
    op.create_index(
        op.f('ix_webhook_delivery_endpoint_id'), 'webhook_delivery', ['endpoint_id'], unique=False
    )
    op.create_index(
        'ix_webhook_delivery_state_next', 'webhook_delivery', ['state', 'next_attempt_at'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_webhook_delivery_state_next', table_name='webhook_delivery')
    op.drop_index(op.f('ix_webhook_delivery_endpoint_id'), table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_endpoint')
