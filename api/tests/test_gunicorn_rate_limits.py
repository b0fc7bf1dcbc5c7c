"""Under gunicorn with two workers and Redis, a limit of N per minute lets exactly N through."""

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.testing import PROJECT_ROOT
from core.testing.ports import free_port

LIMIT = 5
REDIS_DB = 7  # a database of its own, emptied around the test
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    url = f"{REDIS_URL}/{REDIS_DB}"
    client = redis.from_url(url)
    try:
        await client.flushdb()
        yield url
        await client.flushdb()
    finally:
        await client.aclose()


@pytest.fixture
def gunicorn(
    postgres_server_url: str, postgres_engine: AsyncEngine, redis_url: str, tmp_path: Path
) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": postgres_server_url,
        "REDIS_URL": redis_url,
        "RATE_LIMIT_LOGIN_PER_IP": f"{LIMIT}/minute",
        "RATE_LIMIT_LOGIN_PER_USERNAME": "1000/minute",
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
    }
    command = [
        *(sys.executable, "-m", "gunicorn", "api.main:create_app()"),
        *("--worker-class", "uvicorn_worker.UvicornWorker", "--workers", "2"),
        *("--bind", f"127.0.0.1:{port}", "--forwarded-allow-ips", ""),
    ]
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/health", server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /health within 30 s")


async def test_a_login_limit_of_n_lets_exactly_n_through_across_two_workers(gunicorn: str) -> None:
    async with httpx.AsyncClient(base_url=gunicorn, timeout=10) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/auth/token",
                    data={
                        "grant_type": "password",
                        "username": f"u{n}@example.com",
                        "password": "x",
                    },
                )
                for n in range(4 * LIMIT)
            )
        )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {401: LIMIT, 429: 3 * LIMIT}
