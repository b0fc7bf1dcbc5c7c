"""Helpers for tests of the `armature` command line: the real command in a subprocess.

Each test gets a migrated database of its own (`migrated_database`), arranges records
through a container on it (`container_on`), then runs commands as an operator would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from api import bootstrap
from api.settings import Settings
from api.testing import PROJECT_ROOT
from core.settings import ArmatureSettings, Environment

ENTRY_POINT = "from api.cli import main; main()"
COMMAND_SECONDS = 60
# Settings the developer's shell may hold that would change what a command does.
_UNSET = ("RABBITMQ_URL", "RABBITMQ_EXCHANGE", "REDIS_URL", "COMPONENTS", "EVENTS_IN_PROCESS")

on_both_databases = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)


def cli_env(database_url: str, **variables: str) -> dict[str, str]:
    """The environment of a command: this database, the test environment, no broker."""
    inherited = {name: value for name, value in os.environ.items() if name not in _UNSET}
    return {**inherited, "DATABASE_URL": database_url, "ENVIRONMENT": "test", **variables}


@dataclass(frozen=True)
class Ran:
    """How a command ended and what it printed."""

    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The JSON document a successful command printed on stdout (and nothing else)."""
        assert self.returncode == 0, self.stderr
        return json.loads(self.stdout)

    def text(self) -> str:
        """What a successful command printed for people."""
        assert self.returncode == 0, self.stderr
        return self.stdout

    def error(self) -> str:
        """The message of a refused command: non-zero, nothing on stdout, no traceback."""
        assert self.returncode != 0, self.stdout
        assert "Traceback" not in self.stdout + self.stderr, self.stderr
        assert self.stdout == ""
        return self.stderr


async def armature(env: Mapping[str, str], *args: str) -> Ran:
    """Run `armature ARGS...` as the console script does, from the project's root."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ENTRY_POINT, *args, cwd=PROJECT_ROOT, env=dict(env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), COMMAND_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Ran(process.returncode, stdout.decode(), stderr.decode())


@asynccontextmanager
async def running_worker(env: Mapping[str, str]) -> AsyncIterator[None]:
    """`armature worker` in the background, stopped with SIGTERM on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ENTRY_POINT, "worker", cwd=PROJECT_ROOT, env=dict(env),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        with suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), COMMAND_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()


@asynccontextmanager
async def container_on(
    database_url: str, component_settings: Mapping[str, ArmatureSettings]
) -> AsyncIterator[Any]:
    """The application's container on this database, to arrange what the commands find.

    Typed Any: its component sub-containers (`.accounts`, `.items`...) are composed at run time.
    """
    settings = Settings(
        _env_file=None, environment=Environment.TEST, database_url=SecretStr(database_url)
    )
    container = bootstrap.build_container(settings, component_settings=component_settings)
    try:
        yield container
    finally:
        await bootstrap.close(container)
