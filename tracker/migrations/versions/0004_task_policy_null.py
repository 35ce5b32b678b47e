"""a task that follows the default reminder policy holds SQL NULL, not JSON null

Tasks set back to the default policy stored JSON ``null``, which the sweep and the policy
page read as an own policy (the built-in one): they become SQL NULL, as the column now
stores None.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE task SET reminder_policy = NULL WHERE CAST(reminder_policy AS TEXT) = 'null'"
    )


def downgrade():
    # SQL NULL and JSON null both meant "no own policy" to what wrote them: nothing to undo.
    pass
