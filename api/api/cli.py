"""`armature`: one command line over the same use cases as the HTTP API.

Each component may add a command group (`Component.commands`); errors print as messages.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from functools import cached_property
from pkgutil import resolve_name
from typing import TypeVar

import typer

from api import bootstrap
from api.bootstrap import ApplicationContainer
from api.settings import Settings
from core.components import discover_components
from core.errors import DomainError
from core.settings import ConfigurationError

T = TypeVar("T")
D = TypeVar("D")

app = typer.Typer(
    help="Armature's command line: the same use cases as the HTTP API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class CliContext:
    """Builds the container on first use and runs one use case per command."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def container(self) -> ApplicationContainer:
        return bootstrap.build_container(self.settings)

    def deps(self, component: str, deps_type: type[D]) -> D:
        """The deps a component's use cases take, from its sub-container."""
        deps = getattr(self.container, component).deps()
        if not isinstance(deps, deps_type):
            raise TypeError(f"{component}.deps is not a {deps_type.__name__}")
        return deps

    def run(self, use_case: Callable[[], Awaitable[T]]) -> T:
        """Run a use case to completion, then release the database pool."""

        async def _run() -> T:
            try:
                return await use_case()
            finally:
                await bootstrap.close(self.container)

        return asyncio.run(_run())


def main() -> None:
    """The console entry point: mount the enabled components' commands, then run."""
    try:
        settings = Settings.load()
        for component in discover_components(settings.components):
            if component.commands is not None:
                app.add_typer(resolve_name(component.commands), name=component.name)
        app(obj=CliContext(settings))
    except (DomainError, ConfigurationError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
