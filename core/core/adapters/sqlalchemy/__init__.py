"""SQLAlchemy 2 (async) adapters for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from core.adapters.sqlalchemy.database import (
    DatabaseSettings,
    create_engine,
    create_session_factory,
    ping,
)
from core.adapters.sqlalchemy.mapping import map_once
from core.adapters.sqlalchemy.metadata import mapper_registry, metadata
from core.adapters.sqlalchemy.repository import SqlAlchemyRepository
from core.adapters.sqlalchemy.types import Money, ScopeSet, UTCDateTime
from core.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

__all__ = [
    "DatabaseSettings",
    "Money",
    "ScopeSet",
    "SqlAlchemyRepository",
    "SqlAlchemyUnitOfWork",
    "UTCDateTime",
    "create_engine",
    "create_session_factory",
    "map_once",
    "mapper_registry",
    "metadata",
    "ping",
]
