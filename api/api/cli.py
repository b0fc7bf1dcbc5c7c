"""`armature`: one command line over the same use cases as the HTTP API.

Each component may add a command group (`Component.commands`); errors print as messages.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from functools import cached_property
from pkgutil import resolve_name
from typing import TypeVar

import typer

from api import bootstrap
from api.bootstrap import ApplicationContainer
from api.events import EventRuntime
from api.logs import configure_logging
from api.settings import Settings
from api.tracing import instrument_resources, start_tracing
from core.components import discover_components
from core.errors import DomainError
from core.settings import ConfigurationError

logger = logging.getLogger(__name__)

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
        configure_logging(settings.effective_log_format, settings.log_level)
        for component in discover_components(settings.components):
            if component.commands is not None:
                app.add_typer(resolve_name(component.commands), name=component.name)
        app(obj=CliContext(settings))
    except (DomainError, ConfigurationError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


@app.command()
def worker(ctx: typer.Context) -> None:
    """Relay the outbox and run the event consumers until SIGTERM or Ctrl-C."""
    context: CliContext = ctx.obj
    asyncio.run(_work(context.container))


async def _work(container: ApplicationContainer) -> None:
    tracing = start_tracing()
    if tracing is not None:
        instrument_resources(container, tracing)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    runtime = EventRuntime(container, consume=True)
    await runtime.start()
    logger.info("worker started; stop with SIGTERM")
    try:
        await stopping.wait()
    finally:
        logger.info("worker stopping: finishing the messages in hand")
        await runtime.stop()
        await bootstrap.close(container)
        if tracing is not None:
            tracing.stop()
