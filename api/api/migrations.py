"""Migrations of every installed component, in one alembic history.

The project's own chain lives in alembic/versions; a component installed from outside the
repository ships its revisions as a branch of its own (`Component.migrations`), so that no
file of this repository has to change for its tables to be created.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from core.adapters.sqlalchemy import DatabaseSettings, create_engine
from core.components import Component, discover_components
from core.settings import ConfigurationError

CONFIG_FILE = Path("pyproject.toml")


def alembic_config(
    config_file: Path = CONFIG_FILE,
    *,
    connection: Connection | None = None,
    components: Iterable[Component] | None = None,
) -> Config:
    """The project's alembic configuration plus the revisions of every installed component.

    Every installed component, enabled or not: a disabled component's revisions must stay
    known, or alembic could not read a database that once had them applied.
    """
    if not config_file.is_file():
        raise ConfigurationError(
            f"{config_file.resolve()} does not exist: run migrations from the project's root, "
            "where pyproject.toml names the alembic scripts"
        )
    config = Config(toml_file=config_file)
    installed = discover_components() if components is None else components
    locations = [*(config.get_version_locations_list() or []), *component_revisions(installed)]
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", os.pathsep.join(location.replace("%", "%%") for location in locations)
    )
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def component_revisions(components: Iterable[Component]) -> Iterator[str]:
    """The folders of the revision packages the components name."""
    for component in components:
        if component.migrations is None:
            continue
        spec = find_spec(component.migrations)
        if spec is None or not spec.submodule_search_locations:
            raise LookupError(
                f"component {component.name!r} names migrations {component.migrations!r}, "
                "which is not an importable package"
            )
        yield from spec.submodule_search_locations


def upgrade(config: Config) -> None:
    """Apply every branch's revisions up to its head."""
    command.upgrade(config, "heads")


def check(config: Config) -> None:
    """Raise alembic's CommandError when the database is behind or the tables drifted."""
    command.check(config)


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database stands against the heads of every branch."""

    current: list[str]
    heads: list[str]
    # Applied revisions that no installed component ships (its package was removed).
    unknown: list[str]

    @property
    def up_to_date(self) -> bool:
        return set(self.current) == set(self.heads)


async def status(config: Config, database_url: str) -> SchemaStatus:
    """The revisions the database is at, and the heads it should be at."""
    script = ScriptDirectory.from_config(config)
    known = {revision.revision for revision in script.walk_revisions()}
    engine = create_engine(DatabaseSettings.model_validate({"url": database_url}))
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_heads()
            )
    finally:
        await engine.dispose()
    return SchemaStatus(
        current=sorted(current),
        heads=sorted(script.get_heads()),
        unknown=sorted(set(current) - known),
    )
