"""Engine and session factory, configured once from settings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine


class DatabaseSettings(BaseModel):
    """How to reach the database and how hard to hold on to it."""

    model_config = ConfigDict(frozen=True)

    url: SecretStr
    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    pool_timeout_seconds: float = Field(default=5.0, gt=0)
    pool_recycle_seconds: int = Field(default=1800, ge=-1)
    pool_pre_ping: bool = True
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=15_000, ge=0)
    echo: bool = False

    @property
    def sqlalchemy_url(self) -> URL:
        return make_url(self.url.get_secret_value())

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.get_backend_name() == "sqlite"


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An async engine for PostgreSQL (asyncpg) or SQLite (aiosqlite), per the URL."""
    url = settings.sqlalchemy_url
    if settings.is_sqlite:
        return _sqlite_engine(url, settings)
    engine = _create_async_engine(
        url,
        echo=settings.echo,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout_seconds,
        pool_recycle=settings.pool_recycle_seconds,
        # Read-only units run in autocommit: no transaction to roll back when they end.
        skip_autocommit_rollback=True,
        connect_args=_postgres_connect_args(settings),
    )
    if settings.pool_pre_ping:
        _replace_closed_connections(engine)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """SQLAlchemy's pool_pre_ping without its round trips.

    Its asyncpg ping is three round trips (BEGIN, an empty query, ROLLBACK) on every
    checkout, more than a simple read costs. A server that restarts or a proxy that cuts
    the connection closes the socket, and asyncpg notices at once: a checkout that finds
    its connection closed raises DisconnectionError, and the pool connects afresh.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this pooled connection")


def _postgres_connect_args(settings: DatabaseSettings) -> dict[str, Any]:
    return {
        "timeout": settings.connect_timeout_seconds,
        "server_settings": {
            "application_name": "armature",
            "statement_timeout": str(settings.statement_timeout_ms),
        },
    }


def _sqlite_engine(url: URL, settings: DatabaseSettings) -> AsyncEngine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = _create_async_engine(
        url,
        echo=settings.echo,
        connect_args={"timeout": settings.connect_timeout_seconds},
    )
    _take_over_sqlite_transactions(engine)
    return engine


def _take_over_sqlite_transactions(engine: AsyncEngine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, emit BEGIN, so SAVEPOINTs work.

    The recipe from SQLAlchemy's SQLite dialect documentation ("Serializable isolation /
    Savepoints / Transactional DDL"), with BEGIN IMMEDIATE: the embedded database then
    serializes transactions instead of failing a reader that turns writer with "database is
    locked". Also turns on foreign keys and the write-ahead log.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def ping(engine: AsyncEngine, timeout_seconds: float = 2.0) -> bool:
    """True when the database answers a trivial query, outside any transaction, in time."""
    try:
        async with asyncio.timeout(timeout_seconds), engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("SELECT 1"))
    except (OSError, TimeoutError, SQLAlchemyError):
        return False
    return True
