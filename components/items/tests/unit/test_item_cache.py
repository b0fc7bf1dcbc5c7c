"""The item cache behind the use cases, on the fake cache: hits, misses, events, races, outages."""

from dataclasses import replace
from uuid import UUID, uuid4

import pytest

from core.interfaces import CacheUnavailable, Message
from core.security import Principal
from core.testing import FakeCache, SteppingClock
from items.cache import ItemCache
from items.dependencies import ItemsDeps
from items.errors import ItemNotFound
from items.interface import (
    create_item,
    delete_item,
    get_item,
    refresh_cached_item,
    update_item,
)
from items.models import Item
from items.serializers import ItemCreate, ItemRead, ItemUpdate
from items.testing import FakeItemsUnitOfWork

TTL = 60.0


@pytest.fixture
def cache() -> FakeCache:
    return FakeCache()


@pytest.fixture
def outbox() -> list[Message]:
    return []


@pytest.fixture
def cached(store: dict[UUID, Item], outbox: list[Message], cache: FakeCache) -> ItemsDeps:
    """The use cases of one process, with the item cache on."""
    return ItemsDeps(
        uow=lambda: FakeItemsUnitOfWork(store, outbox),
        clock=SteppingClock(),
        cache=ItemCache(cache, TTL),
    )


def behind_the_cache(store: dict[UUID, Item], item_id: UUID, name: str) -> None:
    """Change the stored item without any use case: only a read that misses the cache sees it."""
    store[item_id].name = name


async def test_a_create_leaves_the_cache_to_the_first_read(
    cached: ItemsDeps, store: dict[UUID, Item], owner: Principal, cache: FakeCache
) -> None:
    item = await create_item(cached, data=ItemCreate(name="Lamp"), actor=owner)
    after_create = await cache.get_versioned(f"items:{item.id}")

    first = await get_item(cached, item_id=item.id, actor=owner)
    behind_the_cache(store, item.id, "changed behind")
    second = await get_item(cached, item_id=item.id, actor=owner)

    assert after_create is None
    assert first == second == item


async def test_a_miss_reads_the_database_and_fills_the_cache(
    cached: ItemsDeps, store: dict[UUID, Item], owner: Principal
) -> None:
    uncached = replace(cached, cache=ItemCache.off())
    item = await create_item(uncached, data=ItemCreate(name="Lamp"), actor=owner)

    first = await get_item(cached, item_id=item.id, actor=owner)
    behind_the_cache(store, item.id, "changed behind")
    second = await get_item(cached, item_id=item.id, actor=owner)

    assert first == second == item


async def test_an_update_replaces_the_cached_item(cached: ItemsDeps, owner: Principal) -> None:
    item = await create_item(cached, data=ItemCreate(name="Lamp"), actor=owner)
    await get_item(cached, item_id=item.id, actor=owner)

    updated = await update_item(
        cached, item_id=item.id, changes=ItemUpdate(name="Desk lamp"), actor=owner
    )

    assert await get_item(cached, item_id=item.id, actor=owner) == updated
    assert updated.version == 2


async def test_a_delete_leaves_no_cached_copy_behind(cached: ItemsDeps, owner: Principal) -> None:
    item = await create_item(cached, data=ItemCreate(name="Lamp"), actor=owner)

    await delete_item(cached, item_id=item.id, actor=owner)

    with pytest.raises(ItemNotFound):
        await get_item(cached, item_id=item.id, actor=owner)


async def test_another_account_never_reads_a_cached_item(
    cached: ItemsDeps, owner: Principal
) -> None:
    item = await create_item(cached, data=ItemCreate(name="Private"), actor=owner)
    stranger = Principal(uuid4(), frozenset({"items:read"}))
    admin = Principal(uuid4(), frozenset({"items:read", "accounts:admin"}))
    await get_item(cached, item_id=item.id, actor=owner)  # now cached

    with pytest.raises(ItemNotFound):
        await get_item(cached, item_id=item.id, actor=stranger)
    assert await get_item(cached, item_id=item.id, actor=admin) == item


async def test_a_stale_populate_loses_to_a_write_committed_meanwhile(
    cached: ItemsDeps, store: dict[UUID, Item], owner: Principal, cache: FakeCache
) -> None:
    uncached = replace(cached, cache=ItemCache.off())
    item = await create_item(uncached, data=ItemCreate(name="v1"), actor=owner)
    written: list[ItemRead] = []

    async def writer_commits_version_2() -> None:
        change = ItemUpdate(name="v2")
        written.append(await update_item(cached, item_id=item.id, changes=change, actor=owner))

    # The reader has loaded version 1; the writer commits and caches version 2 before the
    # reader gets to store what it loaded.
    cache.before_next("set_if_newer", writer_commits_version_2)
    read = await get_item(cached, item_id=item.id, actor=owner)

    assert read.version == 1, "the reader answers what it read"
    behind_the_cache(store, item.id, "changed behind")
    assert await get_item(cached, item_id=item.id, actor=owner) == written[0]


async def test_a_stale_populate_cannot_bring_back_a_deleted_item(
    cached: ItemsDeps, owner: Principal, cache: FakeCache
) -> None:
    uncached = replace(cached, cache=ItemCache.off())
    item = await create_item(uncached, data=ItemCreate(name="Doomed"), actor=owner)

    async def writer_deletes() -> None:
        await delete_item(cached, item_id=item.id, actor=owner)

    cache.before_next("set_if_newer", writer_deletes)
    await get_item(cached, item_id=item.id, actor=owner)

    with pytest.raises(ItemNotFound):
        await get_item(cached, item_id=item.id, actor=owner)


async def test_item_events_bring_the_cache_up_to_date_in_any_order(
    cached: ItemsDeps, store: dict[UUID, Item], owner: Principal, outbox: list[Message]
) -> None:
    # Another process wrote without updating this cache (a crash right after the commit).
    elsewhere = replace(cached, cache=ItemCache.off())
    item = await create_item(cached, data=ItemCreate(name="v1"), actor=owner)
    await get_item(cached, item_id=item.id, actor=owner)  # the first read caches v1
    for name in ("v2", "v3"):
        await update_item(elsewhere, item_id=item.id, changes=ItemUpdate(name=name), actor=owner)
    assert (await get_item(cached, item_id=item.id, actor=owner)).name == "v1"

    for event in reversed(outbox):  # redelivered, out of order: v3, v2, v1
        await refresh_cached_item(cached, event)
    behind_the_cache(store, item.id, "changed behind")

    assert (await get_item(cached, item_id=item.id, actor=owner)).name == "v3"


async def test_an_item_deleted_event_evicts_the_cached_item(
    cached: ItemsDeps, owner: Principal, outbox: list[Message]
) -> None:
    elsewhere = replace(cached, cache=ItemCache.off())
    item = await create_item(cached, data=ItemCreate(name="Doomed"), actor=owner)
    await delete_item(elsewhere, item_id=item.id, actor=owner)

    await refresh_cached_item(cached, outbox[-1])

    with pytest.raises(ItemNotFound):
        await get_item(cached, item_id=item.id, actor=owner)


async def test_an_unavailable_cache_degrades_to_the_database_for_reads_and_writes(
    cached: ItemsDeps, owner: Principal, cache: FakeCache
) -> None:
    cache.down = True

    item = await create_item(cached, data=ItemCreate(name="Lamp"), actor=owner)
    updated = await update_item(
        cached, item_id=item.id, changes=ItemUpdate(name="Desk lamp"), actor=owner
    )
    read = await get_item(cached, item_id=item.id, actor=owner)
    await delete_item(cached, item_id=item.id, actor=owner)

    assert read == updated
    with pytest.raises(ItemNotFound):
        await get_item(cached, item_id=item.id, actor=owner)


async def test_this_process_reads_its_own_write_after_an_outage_left_the_cache_stale(
    cached: ItemsDeps, store: dict[UUID, Item], owner: Principal, cache: FakeCache
) -> None:
    item = await create_item(cached, data=ItemCreate(name="v1"), actor=owner)
    cache.down = True
    updated = await update_item(cached, item_id=item.id, changes=ItemUpdate(name="v2"), actor=owner)
    cache.down = False  # back, still holding version 1

    assert await get_item(cached, item_id=item.id, actor=owner) == updated
    # That read stored version 2: the cache is trusted again.
    behind_the_cache(store, item.id, "changed behind")
    assert await get_item(cached, item_id=item.id, actor=owner) == updated


async def test_an_event_the_cache_cannot_take_fails_so_that_the_queue_retries(
    cached: ItemsDeps, owner: Principal, outbox: list[Message], cache: FakeCache
) -> None:
    await create_item(cached, data=ItemCreate(name="Lamp"), actor=owner)
    cache.down = True

    with pytest.raises(CacheUnavailable):
        await refresh_cached_item(cached, outbox[0])


async def test_a_malformed_cached_entry_is_a_miss(
    cached: ItemsDeps, owner: Principal, cache: FakeCache
) -> None:
    item = await create_item(cached, data=ItemCreate(name="Lamp"), actor=owner)
    await cache.set_if_newer(f"items:{item.id}", b'{"not": "an item"}', 9, ttl_seconds=TTL)

    assert await get_item(cached, item_id=item.id, actor=owner) == item


async def test_a_ttl_of_zero_turns_the_cache_off(
    store: dict[UUID, Item], owner: Principal, cache: FakeCache
) -> None:
    deps = ItemsDeps(uow=lambda: FakeItemsUnitOfWork(store), cache=ItemCache(cache, 0))
    item = await create_item(deps, data=ItemCreate(name="Lamp"), actor=owner)
    behind_the_cache(store, item.id, "changed behind")

    assert (await get_item(deps, item_id=item.id, actor=owner)).name == "changed behind"
    assert await cache.get(f"items:{item.id}") is None
