"""The e2e tier: `make serve`'s stack (nginx -> gunicorn with 2 workers -> PostgreSQL, Redis,
RabbitMQ), driven over HTTP through nginx like a client on the internet would."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis

from api.testing import throwaway_postgres_database
from api.testing_stack import (
    LOGIN_LIMIT_PER_USERNAME,
    REDIS_URL,
    STACK_REDIS_DB,
    Stack,
    served_stack,
    stack_env,
    stack_folder,
)


@pytest.fixture(scope="module")
async def stack_database() -> AsyncIterator[str]:
    async with throwaway_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
async def fresh_redis() -> None:
    client = redis.from_url(f"{REDIS_URL}/{STACK_REDIS_DB}")
    try:
        await client.flushdb()
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with stack_folder() as made:
        yield made


@pytest.fixture(scope="module")
def stack(folder: Path, stack_database: str, fresh_redis: None) -> Iterator[Stack]:
    """One stack for the module's stories; they leave it running."""
    env = stack_env(
        folder,
        stack_database,
        RATE_LIMIT_LOGIN_PER_USERNAME=f"{LOGIN_LIMIT_PER_USERNAME}/minute",
        RATE_LIMIT_LOGIN_PER_IP="10000/minute",
        RATE_LIMIT_DEFAULT="100000/minute",
    )
    with served_stack(env) as served:
        yield served


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        yield client


@pytest.fixture
def artifacts() -> Path:
    """Where tests keep what a person may want to look at (screenshots)."""
    folder = Path(__file__).resolve().parents[3] / ".artifacts"
    folder.mkdir(exist_ok=True)
    return folder
