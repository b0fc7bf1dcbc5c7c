"""Migrations build exactly the schema the tables declare, and run both ways."""

from collections.abc import Sequence

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import SecretStr
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from api.testing import alembic_config, throwaway_postgres_database
from core.adapters.sqlalchemy import DatabaseSettings, create_engine, metadata
from core.components import discover_components


def _drift(connection: Connection) -> Sequence[object]:
    for component in discover_components():
        component.start_mappers()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_head_matches_the_declared_tables(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        drift = await connection.run_sync(_drift)

    assert drift == []


async def test_postgres_migrates_up_down_and_up_again() -> None:
    async with throwaway_postgres_database() as url:
        engine = create_engine(DatabaseSettings(url=SecretStr(url)))
        try:
            async with engine.begin() as connection:
                await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
                after_up = await connection.run_sync(_tables)
                await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
                after_down = await connection.run_sync(_tables)
                await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
                after_second_up = await connection.run_sync(_tables)
        finally:
            await engine.dispose()

    assert after_up == {
        "alembic_version",
        "item",
        "account",
        "refresh_token",
        "outbox_message",
        "processed_message",
        "automation",
        "automation_run",
        "attachment",
    }
    assert after_down == {"alembic_version"}
    assert after_second_up == after_up
