"""import jobs: large files imported in the background, with their progress

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('invite', sa.Boolean(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('stage', sa.String(length=10), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('problem', sa.String(length=1000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_job_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job')),
    )
    op.create_index('ix_import_job_state', 'import_job', ['state', 'id'], unique=False)
    op.create_index('ix_import_job_user', 'import_job', ['user_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_import_job_user', table_name='import_job')
    op.drop_index('ix_import_job_state', table_name='import_job')
    op.drop_table('import_job')
