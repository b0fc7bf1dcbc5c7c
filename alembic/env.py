"""Migrations for the enabled components' tables, on PostgreSQL or SQLite.

Tests pass an open connection in `config.attributes["connection"]`; the command line
reads DATABASE_URL (or `config.attributes["database_url"]`) like the app does.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from api.settings import Settings
from core.adapters.sqlalchemy import DatabaseSettings, create_engine
from core.components import discover_components

config = context.config


def _target_metadata(settings: Settings) -> list[MetaData]:
    unique = {id(c.metadata): c.metadata for c in discover_components(settings.components)}
    return list(unique.values())


def _render_core_type(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render core's column types as `module.Type()` and import their module."""
    module = type(obj).__module__
    if kind != "type" or not module.startswith("core."):
        return False
    autogen_context.imports.add(f"import {module}")
    return f"{module}.{type(obj).__name__}()"


def _run(connection: Connection, target_metadata: list[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_core_type,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_url(url: str, target_metadata: list[MetaData]) -> None:
    engine = create_engine(DatabaseSettings.model_validate({"url": url}))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run, target_metadata)
    finally:
        await engine.dispose()


def main() -> None:
    settings = Settings.load()
    target_metadata = _target_metadata(settings)
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, target_metadata)
        return
    url = config.attributes.get("database_url") or settings.database_url.get_secret_value()
    asyncio.run(_run_on_url(url, target_metadata))


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
main()
