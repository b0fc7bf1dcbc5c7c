"""Real servers for tests that need a peer over a socket: uvicorn in a thread, databases."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import uvicorn
from pydantic import SecretStr
from starlette.types import ASGIApp

from api.bootstrap import build_container
from api.main import create_app
from api.settings import Settings
from api.testing import throwaway_postgres_database, upgrade_to_head
from core.adapters.sqlalchemy import DatabaseSettings, create_engine
from core.settings import ArmatureSettings
from core.testing.ports import free_port

T = TypeVar("T")


@contextmanager
def serve_in_thread(
    app: ASGIApp, startup_timeout: float = 10.0, *, lifespan: bool = False
) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free local port in a thread; stopped on exit.

    With `lifespan` the app starts and stops as under a real server (its event machinery
    included) and WebSockets are served.
    """
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), loop="auto", http="h11",
        ws="websockets-sansio" if lifespan else "none", lifespan="on" if lifespan else "off",
        log_level="warning", access_log=False,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)


@contextmanager
def serve_app_in_process(
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    *,
    python: str = sys.executable,
    startup_timeout: float = 30.0,
) -> Iterator[str]:
    """`create_app()` under uvicorn in a process of its own, as `make run` starts it.

    For what a thread cannot give: another PYTHONPATH, another environment's components.
    """
    port = free_port()
    command = [
        *(python, "-m", "uvicorn", "--factory", "api.main:create_app"),
        *("--port", str(port), "--no-proxy-headers"),
    ]
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)  # noqa: S603
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(url, server, startup_timeout, log)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=15)


def _wait_until_healthy(
    url: str, server: subprocess.Popen[bytes], timeout: float, log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:  # noqa: PLR2004
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url}/health did not answer within {timeout} s:\n{log.read_text()}")


@asynccontextmanager
async def migrated_database(kind: str, folder: Path) -> AsyncIterator[str]:
    """A database of its own for a server under test: a SQLite file or a PostgreSQL database."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'served.sqlite3'}"
        await _migrate(url)
        yield url
        return
    async with throwaway_postgres_database() as url:
        await _migrate(url)
        yield url


async def _migrate(url: str) -> None:
    engine = create_engine(DatabaseSettings(url=SecretStr(url)))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade_to_head)
    finally:
        await engine.dispose()


@contextmanager
def serve_api(
    settings: Settings, component_settings: Mapping[str, ArmatureSettings]
) -> Iterator[str]:
    """The whole API as `make run` serves it (events in process, WebSockets), on a local port."""
    container = build_container(settings, component_settings=component_settings)
    with serve_in_thread(create_app(container), lifespan=True) as url:
        yield url


async def eventually(
    check: Callable[[], Awaitable[T | None]], within: float = 10.0, interval: float = 0.05
) -> T:
    """The first non-None answer of `check`, polled for at most `within` seconds."""
    deadline = time.monotonic() + within
    while (answer := await check()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing happened within {within} s")
        await asyncio.sleep(interval)
    return answer
