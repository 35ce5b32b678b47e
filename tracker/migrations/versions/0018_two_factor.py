"""two-factor sign-in: authenticator app secrets and recovery codes

A user's authenticator app (TOTP) secret, stored encrypted, with the one being set up and
the time step of the last code used (a code opens nothing twice); and their single-use
recovery codes, stored hashed.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'two_factor',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=255), nullable=True),
        sa.Column('enabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_step', sa.BigInteger(), nullable=True),
        sa.Column('pending_secret', sa.String(length=255), nullable=True),
        sa.Column('pending_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_two_factor_user_id_user')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_two_factor')),
    )
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_recovery_code_user_id_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_code_code_hash')),
    )
    op.create_index(op.f('ix_recovery_code_user_id'), 'recovery_code', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_recovery_code_user_id'), table_name='recovery_code')
    op.drop_table('recovery_code')
    op.drop_table('two_factor')
