"""every email through an outbox; notifications and their preferences; senders' heartbeats

The email log becomes the outbox: each row is composed in the transaction that causes it
and carries its Message-ID, sender, display name and extra headers. Ledger rows no longer
retry on their own: their email does. Existing data:

- ledger rows ``claimed`` with no email were lost by a crash before sending: they are
  deleted so the next sweep plans them again;
- ledger rows ``failed`` still waiting for a retry hand it to their email, which becomes
  pending at the same time; the rows become ``queued``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sender', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('to_name', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_email_message_user_id_user'), 'user', ['user_id'], ['id'])
        batch_op.drop_index('ix_email_message_state_created')
        batch_op.create_index('ix_email_message_state_next_attempt', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_email_message_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_message_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_message_user_id'), ['user_id'], unique=False)
    op.execute("UPDATE email_message SET headers = '{}' WHERE headers IS NULL")
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.alter_column('headers', existing_type=sa.JSON(), nullable=False)

    # Failed reminders waiting for a retry: their email retries instead.
    op.execute(
        "UPDATE email_message SET state = 'pending', next_attempt_at = ("
        " SELECT min(r.next_attempt_at) FROM reminder r WHERE r.email_id = email_message.id)"
        " WHERE id IN (SELECT email_id FROM reminder"
        " WHERE state = 'failed' AND next_attempt_at IS NOT NULL AND email_id IS NOT NULL)"
    )
    op.execute(
        "UPDATE reminder SET state = 'queued'"
        " WHERE state = 'failed' AND next_attempt_at IS NOT NULL AND email_id IS NOT NULL"
    )
    op.execute("UPDATE reminder SET state = 'queued' WHERE state = 'claimed' AND email_id IS NOT NULL")
    op.execute("DELETE FROM reminder WHERE state = 'claimed'")
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_state_next_attempt')
        batch_op.drop_column('attempts')
        batch_op.drop_column('next_attempt_at')

    with op.batch_alter_table('sweep_run', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=10), type_=sa.String(length=12))
    op.execute("UPDATE sweep_run SET status = 'interrupted' WHERE status = 'running'")

    op.create_table('heartbeat',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_heartbeat'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('email_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_notification_actor_id_user')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_notification_assignment_id_assignment')),
    sa.ForeignKeyConstraint(['email_id'], ['email_message.id'], name=op.f('fk_notification_email_id_email_message')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_notification_task_id_task')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_notification_unit_id_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_delivery_created', ['delivery', 'created_at'], unique=False)
        batch_op.create_index('ix_notification_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_task_id'), ['task_id'], unique=False)
    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preference'))
    )


def downgrade():
    op.drop_table('notification_preference')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_task_id'))
        batch_op.drop_index(batch_op.f('ix_notification_assignment_id'))
        batch_op.drop_index('ix_notification_user_read')
        batch_op.drop_index('ix_notification_user_created')
        batch_op.drop_index('ix_notification_delivery_created')
    op.drop_table('notification')
    op.drop_table('heartbeat')
    op.execute("UPDATE sweep_run SET status = 'ok' WHERE status = 'interrupted'")
    with op.batch_alter_table('sweep_run', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=12), type_=sa.String(length=10))
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index('ix_reminder_state_next_attempt', ['state', 'next_attempt_at'], unique=False)
    op.execute("UPDATE reminder SET state = 'claimed' WHERE state = 'queued'")
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_message_user_id'))
        batch_op.drop_index(batch_op.f('ix_email_message_message_id'))
        batch_op.drop_index('ix_email_message_created_at')
        batch_op.drop_index('ix_email_message_state_next_attempt')
        batch_op.create_index('ix_email_message_state_created', ['state', 'created_at'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_email_message_user_id_user'), type_='foreignkey')
        batch_op.drop_column('user_id')
        batch_op.drop_column('reply')
        batch_op.drop_column('locked_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('headers')
        batch_op.drop_column('to_name')
        batch_op.drop_column('sender')
        batch_op.drop_column('message_id')
