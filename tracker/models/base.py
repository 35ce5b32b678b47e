"""Declarative base with constraint names Alembic can rely on, and shared column types."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite returns naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def utcnow() -> datetime:
    """Return the current instant in UTC (column defaults only; services pass ``now``)."""
    return datetime.now(UTC)


# Indexes the migrations make on PostgreSQL alone and only where they can (trigram indexes
# need the pg_trgm extension, see migration 0025): not declared on the models, so that a
# schema without them still matches.
MIGRATION_ONLY_INDEXES = frozenset({"ix_task_search_text_trgm", "ix_evidence_search_doc_trgm"})


def compared_with_models(obj, name, type_, reflected, compare_to) -> bool:
    """Tell Alembic's comparison (autogenerate, the migration test) which objects to
    compare: all but MIGRATION_ONLY_INDEXES."""
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)
