"""The item cache on real Redis and PostgreSQL, shared by two processes' use cases.

Each test commits for real, on its own connections; its items are deleted afterwards and its
Redis keys live under a prefix of their own.
"""

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.testing import TEST_REDIS_URL, delete_redis_keys, redis_test_prefix
from core.adapters.redis_cache import RedisCache
from core.adapters.sqlalchemy import create_session_factory
from core.errors import ConcurrentModification
from core.security import Principal
from core.testing import FakeCache
from items.cache import ItemCache
from items.dependencies import ItemsDeps
from items.errors import ItemNotFound
from items.interface import create_item, delete_item, get_item, update_item
from items.repository import SqlItemsUnitOfWork
from items.serializers import ItemCreate, ItemRead, ItemUpdate
from items.tables import item_table, start_mappers

OWNER = Principal(uuid4(), frozenset({"items:read", "items:write"}))
WRITERS = 24
READERS = 8


def _jitter() -> float:
    """Up to 20 ms before each cache call: longer than a commit, so racing calls reorder."""
    return secrets.randbelow(20_000) / 1_000_000


@dataclass
class Fleet:
    """Two processes sharing Redis and PostgreSQL, and a view of the database alone."""

    first: ItemsDeps
    second: ItemsDeps
    database: ItemsDeps
    caches: tuple[FakeCache, FakeCache]


@pytest.fixture
async def fleet(postgres_engine: AsyncEngine) -> AsyncIterator[Fleet]:
    start_mappers()
    session_factory = create_session_factory(postgres_engine)
    prefix = redis_test_prefix()
    caches = (
        FakeCache(RedisCache(TEST_REDIS_URL, prefix=prefix), latency=_jitter),
        FakeCache(RedisCache(TEST_REDIS_URL, prefix=prefix), latency=_jitter),
    )
    database = ItemsDeps(uow=lambda: SqlItemsUnitOfWork(session_factory))
    yield Fleet(
        first=replace(database, cache=ItemCache(caches[0], 60)),
        second=replace(database, cache=ItemCache(caches[1], 60)),
        database=database,
        caches=caches,
    )
    for cache in caches:
        await cache.close()
    await delete_redis_keys(prefix)
    async with postgres_engine.begin() as connection:
        await connection.execute(
            item_table.delete().where(item_table.c.owner_id == OWNER.account_id)
        )


async def test_racing_writers_and_readers_in_two_processes_settle_on_the_databases_item(
    fleet: Fleet,
) -> None:
    item = await create_item(fleet.first, data=ItemCreate(name="start"), actor=OWNER)
    stop = asyncio.Event()
    stale_reads: list[str] = []
    names = {1: "start"}  # the name each committed version carries

    async def write(n: int) -> None:
        writer, other = (fleet.first, fleet.second) if n % 2 else (fleet.second, fleet.first)
        change = ItemUpdate(name=f"writer {n}")
        while True:  # a client that lost the race (409) tries again
            try:
                written = await update_item(writer, item_id=item.id, changes=change, actor=OWNER)
                break
            except ConcurrentModification:
                await asyncio.sleep(0)
        names[written.version] = written.name
        seen = await get_item(other, item_id=item.id, actor=OWNER)  # read after write
        if seen.version < written.version:
            stale_reads.append(f"wrote {written.version}, the other process read {seen.version}")

    async def read(deps: ItemsDeps) -> list[ItemRead]:
        seen: list[ItemRead] = []
        while not stop.is_set():
            seen.append(await get_item(deps, item_id=item.id, actor=OWNER))
            await asyncio.sleep(0)
        return seen

    readers = [asyncio.create_task(read(d)) for d in [fleet.first, fleet.second] * (READERS // 2)]
    await asyncio.gather(*(write(n) for n in range(WRITERS)))
    stop.set()
    reads = await asyncio.gather(*readers)

    truth = await get_item(fleet.database, item_id=item.id, actor=OWNER)
    assert truth.version == 1 + WRITERS
    assert stale_reads == []
    assert sorted(names) == list(range(1, truth.version + 1))
    for seen in reads:
        versions = [read.version for read in seen]
        assert versions == sorted(versions), "a reader never goes back to an older version"
        assert all(read.name == names[read.version] for read in seen), "a body is its version's"
    assert await get_item(fleet.first, item_id=item.id, actor=OWNER) == truth
    assert await get_item(fleet.second, item_id=item.id, actor=OWNER) == truth


async def test_a_reader_that_loaded_an_old_version_cannot_cache_it_over_a_newer_one(
    fleet: Fleet,
) -> None:
    item = await create_item(fleet.database, data=ItemCreate(name="v1"), actor=OWNER)
    written: list[ItemRead] = []

    async def the_first_process_commits_version_2() -> None:
        change = ItemUpdate(name="v2")
        written.append(await update_item(fleet.first, item_id=item.id, changes=change, actor=OWNER))

    # The second process has loaded version 1; the first commits and caches version 2 before
    # the second stores what it loaded.
    fleet.caches[1].before_next("set_if_newer", the_first_process_commits_version_2)
    loaded = await get_item(fleet.second, item_id=item.id, actor=OWNER)

    assert loaded.version == 1
    assert await get_item(fleet.second, item_id=item.id, actor=OWNER) == written[0]
    assert await get_item(fleet.first, item_id=item.id, actor=OWNER) == written[0]


async def test_a_slow_writers_cache_update_loses_to_a_newer_write(fleet: Fleet) -> None:
    item = await create_item(fleet.first, data=ItemCreate(name="v1"), actor=OWNER)
    newer: list[ItemRead] = []

    async def the_second_process_commits_version_3() -> None:
        change = ItemUpdate(name="v3")
        newer.append(await update_item(fleet.second, item_id=item.id, changes=change, actor=OWNER))

    # The first process has committed version 2; before its cache update lands, the second
    # process commits and caches version 3.
    fleet.caches[0].before_next("set_if_newer", the_second_process_commits_version_3)
    slow = await update_item(
        fleet.first, item_id=item.id, changes=ItemUpdate(name="v2"), actor=OWNER
    )

    assert (slow.version, newer[0].version) == (2, 3)
    assert await get_item(fleet.first, item_id=item.id, actor=OWNER) == newer[0]
    assert await get_item(fleet.second, item_id=item.id, actor=OWNER) == newer[0]


async def test_a_reader_that_loaded_a_deleted_item_cannot_bring_it_back(fleet: Fleet) -> None:
    item = await create_item(fleet.database, data=ItemCreate(name="doomed"), actor=OWNER)

    async def the_first_process_deletes_it() -> None:
        await delete_item(fleet.first, item_id=item.id, actor=OWNER)

    fleet.caches[1].before_next("set_if_newer", the_first_process_deletes_it)
    await get_item(fleet.second, item_id=item.id, actor=OWNER)

    for deps in (fleet.first, fleet.second):
        with pytest.raises(ItemNotFound):
            await get_item(deps, item_id=item.id, actor=OWNER)


async def test_a_write_in_one_process_is_read_at_once_in_the_other(fleet: Fleet) -> None:
    item = await create_item(fleet.first, data=ItemCreate(name="v1"), actor=OWNER)
    assert (await get_item(fleet.second, item_id=item.id, actor=OWNER)).version == 1

    for n in range(2, 6):
        writer, reader = (fleet.first, fleet.second) if n % 2 else (fleet.second, fleet.first)
        change = ItemUpdate(name=f"v{n}")
        written = await update_item(writer, item_id=item.id, changes=change, actor=OWNER)

        assert await get_item(reader, item_id=item.id, actor=OWNER) == written


async def test_a_cached_item_stays_invisible_to_another_account(fleet: Fleet) -> None:
    item = await create_item(fleet.first, data=ItemCreate(name="private"), actor=OWNER)
    await get_item(fleet.second, item_id=item.id, actor=OWNER)
    stranger = Principal(uuid4(), frozenset({"items:read"}))

    with pytest.raises(ItemNotFound):
        await get_item(fleet.second, item_id=item.id, actor=stranger)
