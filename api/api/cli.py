"""`armature`: one command line over the same use cases as the HTTP API.

Each component may add a command group (`Component.commands`); errors print as messages.
Every command prints text for people, or with `--json` the serializers' JSON on stdout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import datetime
from functools import cached_property
from pkgutil import resolve_name
from typing import Annotated, TypeVar

import typer
from pydantic import TypeAdapter, ValidationError

from api import bootstrap
from api.bootstrap import ApplicationContainer
from api.events import EventRuntime
from api.logs import configure_logging
from api.scaffold.errors import ScaffoldError
from api.settings import Settings
from api.tracing import instrument_resources, start_tracing
from core.components import discover_components
from core.errors import DomainError, PermissionDenied
from core.security import Principal, PrincipalDirectory
from core.settings import ConfigurationError

logger = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D")

app = typer.Typer(
    help="Armature's command line: the same use cases as the HTTP API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

JsonOutput = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON on stdout, for programs.")
]
AsAccount = Annotated[
    str, typer.Option("--as", metavar="EMAIL", help="Act as this account, with its scopes.")
]


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

    def run_as(
        self, email: str, scopes: Collection[str], use_case: Callable[[Principal], Awaitable[T]]
    ) -> T:
        """Run a use case as the account with this email; it must hold `scopes`, as over HTTP."""

        async def _as_account() -> T:
            return await use_case(await self.principal(email, scopes))

        return self.run(_as_account)

    async def principal(self, email: str, scopes: Collection[str]) -> Principal:
        """The account's principal, from the component that exports `principals`."""
        provider = getattr(self.container, "principals", None)
        if provider is None:
            raise LookupError("no enabled component exports `principals`: cannot act as an account")
        directory: PrincipalDirectory = provider()
        principal = await directory.principal_for(email)
        missing = sorted(set(scopes) - principal.scopes)
        if missing:
            raise PermissionDenied(f"{email} lacks the scope(s): {' '.join(missing)}")
        return principal

    @property
    def queue_is_in_process(self) -> bool:
        """True without RABBITMQ_URL: no other process sees the events a command records."""
        return self.settings.rabbitmq_url is None

    @staticmethod
    def output(result: T, as_json: bool, text: Callable[[T], str]) -> None:
        """Print the result: its JSON (as `model_dump(mode="json")`) or `text(result)`."""
        if as_json:
            document = TypeAdapter(type(result)).dump_python(result, mode="json")
            typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            typer.echo(text(result))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Rows in aligned columns under upper-case headers."""
    return columns([[header.upper() for header in headers], *rows])


def columns(rows: Iterable[Sequence[object]]) -> str:
    """Rows of values as text in aligned columns (None is "-", times to the second)."""
    lines = [[_text(value) for value in row] for row in rows]
    widths = [max(len(line[index]) for line in lines) for index in range(len(lines[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def counted(shown: int, total: int, offset: int) -> str:
    """Which part of a page of `total` is shown: "1-20 of 35"."""
    return f"{offset + 1}-{offset + shown} of {total}" if shown else f"none of {total}"


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | frozenset | set):
        return " ".join(map(str, value)) or "-"
    return str(value)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        problems = (
            f"{'.'.join(map(str, error['loc'])) or 'input'}: {error['msg']}"
            for error in exc.errors()
        )
        return "invalid input: " + "; ".join(problems)
    return str(exc)


def main() -> None:
    """The console entry point: mount the enabled components' commands, then run."""
    try:
        settings = Settings.load()
        configure_logging(settings.effective_log_format, settings.log_level)
        _mount_project_commands()
        for component in discover_components(settings.components):
            if component.commands is not None:
                app.add_typer(resolve_name(component.commands), name=component.name)
        app(obj=CliContext(settings))
    except (
        DomainError,
        ConfigurationError,
        LookupError,
        ValidationError,
        ScaffoldError,
    ) as exc:
        typer.echo(f"error: {_message(exc)}", err=True)
        sys.exit(1)


def _mount_project_commands() -> None:
    """The outbox, schema and generator commands; imported here, as they build on this module."""
    from api import cli_db, cli_outbox  # noqa: PLC0415
    from api.scaffold.command import new_component  # noqa: PLC0415

    app.add_typer(cli_db.app, name="db")
    app.add_typer(cli_outbox.app, name="outbox")
    app.command("new-component")(new_component)


@app.command()
def worker(ctx: typer.Context) -> None:
    """Relay the outbox and run the event consumers until SIGTERM or Ctrl-C."""
    context: CliContext = ctx.obj
    with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
        runner.run(_work(context.container))


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where uvicorn's workers run on it, else asyncio's own loop.

    The relay's batch is many small writes, futures and callbacks; uvloop's transports and
    scheduling, in C, cost less of each than asyncio's (about a tenth of its CPU an event).
    """
    try:
        import uvloop  # noqa: PLC0415 (optional: uvicorn[standard] has it where it builds)
    except ImportError:
        return None
    return uvloop.new_event_loop


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
