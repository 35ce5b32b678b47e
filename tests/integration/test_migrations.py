"""The migrations build the schema the models declare, on each backend: a model changed
without its migration (or the reverse) shows up here, not in production."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tracker.extensions import db
from tracker.models.base import compared_with_models


def _differences(app) -> list:
    with app.app_context():  # on the test's own connection
        context = MigrationContext.configure(
            db.session.connection(),
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_object": compared_with_models,
            },
        )
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_the_models(app):
    assert _differences(app) == []


def test_the_reminder_ledger_names_tasks_units_and_users_without_foreign_keys(app):
    with app.app_context():
        inspector = db.inspect(db.session.connection())
        keys = inspector.get_foreign_keys("reminder")
        checked = {tuple(fk["constrained_columns"]) for fk in keys}
        indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("reminder")}
    assert checked == {("assignment_id",), ("email_id",)}
    assert ("unit_id",) not in indexed and ("task_id",) in indexed


def test_the_ledger_leaves_room_in_its_pages_for_marking_rows_sent_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("fillfactor is a storage parameter of PostgreSQL's alone")
        options = db.session.execute(
            db.text("SELECT reloptions FROM pg_class WHERE relname = 'reminder'")
        ).scalar()
    assert options == ["fillfactor=50"]
