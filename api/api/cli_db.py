"""`armature db ...`: the schema of every installed component, through alembic.

Alembic loads only when a `db` command runs: every other command starts without it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from api.cli import CliContext, JsonOutput

if TYPE_CHECKING:
    from alembic.config import Config

    from api.migrations import SchemaStatus

app = typer.Typer(
    help="The database schema: every installed component's migrations.", no_args_is_help=True
)


@contextmanager
def _alembic(ctx: typer.Context) -> Iterator[Config]:
    """The configuration for this database; alembic's own errors become messages."""
    from alembic.util import CommandError  # noqa: PLC0415

    from api.migrations import alembic_config  # noqa: PLC0415

    # Alembic announces each of its plugins at INFO; the revisions it runs are what matter.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    cli: CliContext = ctx.obj
    try:
        config = alembic_config()
        config.attributes["database_url"] = cli.settings.database_url.get_secret_value()
        yield config
    except CommandError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _describe(status: SchemaStatus) -> str:
    state = "up to date" if status.up_to_date else "behind: run `armature db upgrade`"
    if status.unknown:
        state = f"{', '.join(status.unknown)} belong to no installed component"
    current = ", ".join(status.current) or "nothing applied"
    return f"database at {current}; heads {', '.join(status.heads)}; {state}"


def _status(config: Config) -> SchemaStatus:
    from api.migrations import status  # noqa: PLC0415

    return asyncio.run(status(config, config.attributes["database_url"]))


def _report(status: SchemaStatus, as_json: bool) -> None:
    document = {**dataclasses.asdict(status), "up_to_date": status.up_to_date}
    CliContext.output(document, as_json, lambda _: _describe(status))


@app.command()
def upgrade(ctx: typer.Context, as_json: JsonOutput = False) -> None:
    """Apply every migration not applied yet, on every component's branch."""
    from api.migrations import upgrade as apply_all  # noqa: PLC0415

    with _alembic(ctx) as config:
        apply_all(config)
        _report(_status(config), as_json)


@app.command()
def status(ctx: typer.Context, as_json: JsonOutput = False) -> None:
    """Show the revisions applied and the heads; exit 1 when they differ."""
    with _alembic(ctx) as config:
        current = _status(config)
    _report(current, as_json)
    if not current.up_to_date:
        raise typer.Exit(1)


@app.command()
def check(ctx: typer.Context) -> None:
    """Exit 1 unless the database is at every head and its tables match the code."""
    from api.migrations import check as compare  # noqa: PLC0415

    with _alembic(ctx) as config:
        compare(config)
    typer.echo("the schema matches the code")
