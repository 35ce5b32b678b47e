"""folded search columns for tasks, evidence documents and people; trigram indexes

The search box (and the task list's filter) found "dữ liệu" only when typed with its
accents and case, by a LIKE on the title that read every task. Tasks now keep their
folded title, source number, source document and description in ``search_text``,
evidence documents their folded number in ``search_doc``, people their folded name in
``search_name``; the models keep them current, and this fills them for existing rows
(folded in Python, batch by batch, as the models fold them).

On PostgreSQL, trigram GIN indexes (pg_trgm) serve ``LIKE '%...%'`` on the two large ones.
Where the extension cannot be created (a role that may not), the indexes are left out,
searches read the tables, and the log says so.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 09:00:00.000000

"""
import logging

import sqlalchemy as sa
from alembic import op

from tracker.domain.search import normalise, task_search_text

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

BATCH = 1000
# (table, column, index): the trigram indexes, PostgreSQL only; not in the models
# (tracker.models.base.MIGRATION_ONLY_INDEXES).
TRIGRAM = (
    ('task', 'search_text', 'ix_task_search_text_trgm'),
    ('evidence', 'search_doc', 'ix_evidence_search_doc_trgm'),
)


def _fill(table: str, source: tuple[str, ...], target: str, derive) -> None:
    """Set ``target`` from ``source`` on every row of ``table``, BATCH rows at a time."""
    bind = op.get_bind()
    t = sa.table(table, sa.column('id'), sa.column(target), *(sa.column(c) for c in source))
    update = (
        sa.update(t).where(t.c.id == sa.bindparam('row_id')).values({target: sa.bindparam('v')})
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(t.c.id, *(t.c[c] for c in source))
            .where(t.c.id > last).order_by(t.c.id).limit(BATCH)
        ).all()  # fmt: skip
        if not rows:
            return
        bind.execute(update, [{'row_id': r[0], 'v': derive(*r[1:])} for r in rows])
        last = rows[-1][0]


def _create_index(table: str, column: str, index: str) -> str:
    return f'CREATE INDEX {index} ON {table} USING gin ({column} gin_trgm_ops)'


def _trigram_available() -> bool:
    """Create pg_trgm if missing; return whether it is there (inside a savepoint, so a
    refusal leaves the migration's transaction usable)."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except sa.exc.DBAPIError as exc:
        log.warning(
            'pg_trgm could not be created (%s): searches will read the tables without trigram '
            'indexes. A superuser can add them: CREATE EXTENSION pg_trgm; %s',
            str(exc.orig).strip().splitlines()[0],
            ' '.join(_create_index(*names) + ';' for names in TRIGRAM),
        )
        return False
    return True


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('search_doc', sa.String(length=200), server_default='', nullable=False)
        )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('search_name', sa.String(length=255), server_default='', nullable=False)
        )
    _fill(
        'task',
        ('title', 'source_number', 'source_document', 'description'),
        'search_text',
        task_search_text,
    )
    _fill('evidence', ('doc_number',), 'search_doc', normalise)
    _fill('user', ('name',), 'search_name', normalise)
    if op.get_bind().dialect.name == 'postgresql' and _trigram_available():
        for table, column, index in TRIGRAM:
            op.execute(_create_index(table, column, index))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for _table, _column, index in TRIGRAM:
            op.execute(f'DROP INDEX IF EXISTS {index}')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('search_name')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('search_doc')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('search_text')
