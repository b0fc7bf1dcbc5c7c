"""Two API processes sharing Redis and PostgreSQL: racing PATCHes interleaved with GETs.

Each process is the app `create_app` builds over a container of its own, with a cache client
of its own whose calls are delayed at random; requests commit for real (no outer transaction)
and the items go afterwards.
"""

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bootstrap import build_container
from api.main import create_app
from api.settings import Settings
from api.testing import TEST_REDIS_URL, delete_redis_keys, redis_test_prefix
from core.adapters.redis_cache import RedisCache
from core.interfaces import Cache
from core.settings import ArmatureSettings
from core.testing import FakeAuthenticator, FakeCache
from items.tables import item_table

ITEMS = "/api/v1/items"
WRITERS = 16
READERS = 6


@dataclass
class Process:
    client: httpx.AsyncClient
    cache: Cache


def _jitter() -> float:
    """Up to 20 ms before each cache call: longer than a commit, so racing calls reorder."""
    return secrets.randbelow(20_000) / 1_000_000


@pytest.fixture
def engine(postgres_engine: AsyncEngine) -> AsyncEngine:
    """PostgreSQL only: SQLite would serialize the racing writers."""
    return postgres_engine


@pytest.fixture
async def processes(
    settings: Settings,
    component_settings: dict[str, ArmatureSettings],
    postgres_engine: AsyncEngine,
    authenticator: FakeAuthenticator,
    auth: dict[str, str],
) -> AsyncIterator[tuple[Process, Process]]:
    unlimited = settings.model_copy(update={"rate_limit_default": "1000000/minute"})
    prefix = redis_test_prefix()
    running: list[Process] = []
    for _ in range(2):
        container = build_container(unlimited, component_settings=component_settings)
        cache = FakeCache(RedisCache(TEST_REDIS_URL, prefix=prefix), latency=_jitter)
        container.engine.override(providers.Object(postgres_engine))
        container.cache.override(providers.Object(cache))
        container.authenticator.override(providers.Object(authenticator))
        transport = httpx.ASGITransport(app=create_app(container))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=auth)
        running.append(Process(client, cache))
    yield running[0], running[1]
    for process in running:
        await process.client.aclose()
        await process.cache.close()
    await delete_redis_keys(prefix)
    owner = authenticator.principal(auth["Authorization"].removeprefix("Bearer "))
    async with postgres_engine.begin() as connection:
        await connection.execute(
            item_table.delete().where(item_table.c.owner_id == owner.account_id)
        )


async def test_racing_patches_and_gets_in_two_processes_agree_with_the_database(
    processes: tuple[Process, Process], postgres_engine: AsyncEngine
) -> None:
    first, second = processes
    created = await first.client.post(ITEMS, json={"name": "start"})
    url = f"{ITEMS}/{created.json()['id']}"
    names = {1: "start"}
    problems: list[str] = []
    stop = asyncio.Event()

    async def patch(n: int) -> None:
        writer, other = (first, second) if n % 2 else (second, first)
        for _ in range(WRITERS * 10):  # a client that lost the race (409) tries again
            response = await writer.client.patch(url, json={"name": f"w{n}"})
            if response.status_code != 409:
                break
        assert response.status_code == 200, response.text
        names[response.json()["version"]] = f"w{n}"
        seen = await other.client.get(url)
        if seen.json()["version"] < response.json()["version"]:
            problems.append(f"read {seen.json()['version']} after writing {response.json()}")

    async def read(process: Process) -> list[httpx.Response]:
        responses = []
        while not stop.is_set():
            responses.append(await process.client.get(url))
        return responses

    readers = [asyncio.create_task(read(p)) for p in (first, second) * (READERS // 2)]
    await asyncio.gather(*(patch(n) for n in range(WRITERS)))
    stop.set()
    by_reader = await asyncio.gather(*readers)
    problems += [problem for seen in by_reader for problem in _inconsistencies(seen, names)]
    async with postgres_engine.connect() as connection:
        row = (
            await connection.execute(
                select(item_table).where(item_table.c.id == created.json()["id"])
            )
        ).one()
    finals = [(await p.client.get(url)).json() for p in (first, second)]

    assert problems == []
    assert sum(len(seen) for seen in by_reader) > WRITERS
    assert (row.version, row.name) == (1 + WRITERS, names[1 + WRITERS])
    assert [(f["version"], f["name"]) for f in finals] == [(row.version, row.name)] * 2


def _inconsistencies(seen: list[httpx.Response], names: dict[int, str]) -> list[str]:
    """What is wrong with one reader's answers: an error, an ETag that is not the body's
    version, a body that is not its version's, or a version older than one read before."""
    found = []
    versions = []
    for response in seen:
        body = response.json()
        if response.status_code != 200 or response.headers["ETag"] != f'"{body["version"]}"':
            found.append(f"{response.status_code} {response.headers.get('ETag')} {body}")
            continue
        if body["name"] != names[body["version"]]:
            found.append(f"version {body['version']} read as {body['name']}")
        versions.append(body["version"])
    if versions != sorted(versions):
        found.append(f"a reader went back to an older version: {versions}")
    return found
