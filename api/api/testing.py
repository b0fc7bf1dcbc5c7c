"""Pytest fixtures for the integration and API tiers (loaded with `-p api.testing`).

Each database is created empty, migrated to head once per session through alembic, and
every test runs inside an outer transaction that is rolled back at its end: the use cases'
commits only release SAVEPOINTs.
"""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from alembic.config import Config
from dependency_injector import providers
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api import migrations
from api.bootstrap import ApplicationContainer, build_container
from api.main import create_app
from api.settings import Settings
from core.adapters.sqlalchemy import DatabaseSettings, create_engine
from core.components import discover_components
from core.settings import ArmatureSettings, Environment
from core.testing import FakeAuthenticator

DEFAULT_TEST_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def pytest_unconfigure() -> None:
    """Keep the session's objects out of the collection the interpreter runs as it exits.

    They are all alive when pytest returns (gigabytes by the end of the suite), and that
    last full collection walked every one of them for minutes; frozen, it skips them. The
    memory goes back to the system with the process all the same.
    """
    gc.freeze()


def alembic_config(connection: Connection | None = None) -> Config:
    """The project's alembic configuration, optionally bound to an open connection."""
    return migrations.alembic_config(PROJECT_ROOT / "pyproject.toml", connection=connection)


def upgrade_to_head(connection: Connection) -> None:
    migrations.upgrade(alembic_config(connection))


@asynccontextmanager
async def throwaway_postgres_database() -> AsyncIterator[str]:
    """A new, empty database on TEST_DATABASE_URL's server, dropped on exit."""
    server = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL))
    name = f"armature_test_{secrets.token_hex(4)}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, SQLAlchemyError) as exc:
        await admin.dispose()
        pytest.exit(
            f"cannot reach PostgreSQL at {server.render_as_string(hide_password=True)} ({exc}); "
            "start it or point TEST_DATABASE_URL at a server where the user may create databases",
            returncode=3,
        )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session")
async def postgres_server_url() -> AsyncIterator[str]:
    """The session's throwaway PostgreSQL database."""
    async with throwaway_postgres_database() as url:
        yield url


async def _migrated_engine(url: str) -> AsyncEngine:
    engine = create_engine(DatabaseSettings(url=SecretStr(url)))
    async with engine.begin() as connection:
        await connection.run_sync(upgrade_to_head)
    return engine


@pytest.fixture(scope="session")
async def postgres_engine(postgres_server_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a throwaway PostgreSQL database migrated to head."""
    engine = await _migrated_engine(postgres_server_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    """An engine on a throwaway SQLite file migrated to head."""
    path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
    engine = await _migrated_engine(f"sqlite+aiosqlite:///{path}")
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> AsyncEngine:
    """Each integration and API test runs once on SQLite and once on PostgreSQL."""
    engine: AsyncEngine = request.getfixturevalue(f"{request.param}_engine")
    return engine


@pytest.fixture
def database_url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside an outer transaction that the test never sees committed."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        environment=Environment.TEST,
        database_url=SecretStr(database_url),
        redis_url=None,
    )


@pytest.fixture
def component_settings() -> dict[str, ArmatureSettings]:
    """Each component's settings for tests: defaults, no `.env`. Override per test folder."""
    return {
        component.name: component.settings(_env_file=None, environment=Environment.TEST)
        for component in discover_components()
        if component.settings is not None
    }


@pytest.fixture
def container(
    settings: Settings,
    component_settings: dict[str, ArmatureSettings],
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
) -> ApplicationContainer:
    """The real container, with every session joined to the test's outer transaction."""
    container = build_container(settings, component_settings=component_settings)
    container.engine.override(providers.Object(engine))
    container.session_factory.override(providers.Object(session_factory))
    return container


@pytest.fixture
def authenticator(container: ApplicationContainer) -> FakeAuthenticator:
    """A fake in place of the accounts component's: tests issue tokens with any scopes."""
    fake = FakeAuthenticator()
    container.authenticator.override(providers.Object(fake))
    return fake


@pytest.fixture
async def client(container: ApplicationContainer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client over the ASGI app built by `create_app`."""
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database of the test's own, for a served app or a command: SQLite, or
    PostgreSQL when parametrized so (`api.testing_cli.on_both_databases`)."""
    # Imported here: api.testing_servers imports this module.
    from api.testing_servers import migrated_database  # noqa: PLC0415

    async with migrated_database(getattr(request, "param", "sqlite"), tmp_path) as url:
        yield url


def redis_test_prefix() -> str:
    """A key prefix of one test's own in the shared test Redis."""
    return f"armature-test-{secrets.token_hex(6)}:"


async def delete_redis_keys(prefix: str, url: str = TEST_REDIS_URL) -> None:
    """Delete every key under `prefix`: what one test left in the shared Redis."""
    client = Redis.from_url(url)
    try:
        async for key in client.scan_iter(match=f"{prefix}*"):
            await client.delete(key)
    finally:
        await client.aclose()
