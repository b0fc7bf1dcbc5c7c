"""Real servers write nothing but JSON lines: gunicorn's master, its uvicorn workers, the app."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from accounts.testing import PASSWORD, AccountsApi
from api.testing import PROJECT_ROOT
from core.testing.ports import free_port

CONFIG = PROJECT_ROOT / "_DOCKER" / "gunicorn.conf.py"

Lines = list[dict[str, Any]]


def server_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "LOG_FORMAT": "json",
        "DATABASE_URL": database,
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        # A mail relay, as in production: the console notifier prints mails, not log lines.
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),
    }


@contextmanager
def running(
    command: list[str], port: int, env: dict[str, str], output: Path, workers: int = 1
) -> Iterator[None]:
    """The server, every worker started and answering /health; stopped with SIGTERM on exit."""
    with output.open("w") as sink:
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
            command, cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=sink
        )
        try:
            _wait_until_up(port, server, output, workers)
            yield
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def _wait_until_up(port: int, server: subprocess.Popen[bytes], output: Path, workers: int) -> None:
    # /health answers as soon as one worker is up; a worker still booting when the test
    # stops the server would never write its own lines.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"the server exited with {server.returncode}:\n{output.read_text()}"
            )
        started = output.read_text().count("Application startup complete")
        try:
            answered = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code
        except httpx.TransportError:
            answered = None
        if answered == 200 and started >= workers:
            return
        time.sleep(0.1)
    raise AssertionError(f"the server's {workers} worker(s) did not all start within 30 s")


def json_lines(output: Path) -> Lines:
    """Every line the server wrote, each of which must be one JSON object."""
    text = output.read_text()
    assert text.strip(), "the server wrote nothing"
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def exercise(port: int) -> tuple[list[str], list[str]]:
    """Sign up, sign in, fail, send secrets, open a WebSocket: the ids seen and the secrets sent."""
    seen: list[str] = []

    async def keep_id(response: httpx.Response) -> None:
        seen.append(response.headers["x-request-id"])

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=10, event_hooks={"response": [keep_id]}
    ) as client:
        accounts = AccountsApi(client)
        pair = await accounts.sign_in("served@example.com")
        await accounts.token("served@example.com", password="wrong " + PASSWORD)
        await client.post(
            "/api/v1/accounts", json={"email": "y@example.com", "password": "tiny-pw"}
        )
        await client.get("/api/v1/accounts/me", headers=accounts.bearer(pair))
        await client.get("/api/v1/nothing", headers={"X-Request-ID": "served-unmatched"})
    async with connect(f"ws://127.0.0.1:{port}/api/v1/ws?token={pair['access_token']}"):
        pass
    return seen, [PASSWORD, "tiny-pw", pair["access_token"], pair["refresh_token"]]


async def test_gunicorn_and_its_workers_write_only_json_with_one_access_line_per_request(
    database: str, tmp_path: Path
) -> None:
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "api.main:create_app()", "--config", str(CONFIG)),
        *("--worker-class", "uvicorn_worker.UvicornWorker", "--workers", "2"),
        *("--forwarded-allow-ips", "", "--bind", f"127.0.0.1:{port}"),
    ]
    output = tmp_path / "gunicorn.log"

    env = {**server_env(database), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    with running(command, port, env, output, workers=2):
        seen, secrets = await exercise(port)

    lines = json_lines(output)
    access = [line for line in lines if line.get("logger") == "armature.access"]
    events = [line["event"] for line in lines]
    assert sum(event.startswith("Booting worker with pid") for event in events) == 2, "master"
    assert sum(event.startswith("Started server process") for event in events) == 2, "workers"
    for request_id in seen:
        assert [line["request_id"] for line in access].count(request_id) == 1
    assert [line["route"] for line in access if line["request_id"] == "served-unmatched"] == [
        "<unmatched>"
    ]
    assert [
        (line["route"], line["status"]) for line in access if line["method"] == "WEBSOCKET"
    ] == [("/api/v1/ws", 101)]
    text = output.read_text()
    for secret in secrets:
        assert secret not in text


async def test_uvicorn_applies_its_log_config_before_the_factory_replaces_it(
    database: str, tmp_path: Path
) -> None:
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app"),
        *("--no-proxy-headers", "--port", str(port)),
    ]
    output = tmp_path / "uvicorn.log"

    with running(command, port, server_env(database), output):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await client.get("/api/v1/nothing", headers={"X-Request-ID": "real-one-1"})

    lines = json_lines(output)
    assert any(line["event"].startswith("Started server process") for line in lines)
    assert [line["route"] for line in lines if line.get("request_id") == "real-one-1"] == [
        "<unmatched>"
    ]
