"""The in-memory unit of work keeps the real transaction semantics; the fake cache its levers."""

from dataclasses import dataclass, field
from uuid import UUID, uuid4

import pytest

from core.interfaces import CacheUnavailable
from core.testing import FakeCache, InMemoryRepository, InMemoryUnitOfWork


@dataclass
class Thing:
    name: str
    id: UUID = field(default_factory=uuid4)


def unit(store: dict[UUID, Thing]) -> tuple[InMemoryUnitOfWork, InMemoryRepository[Thing]]:
    repository = InMemoryRepository(store)
    return InMemoryUnitOfWork(repository), repository


async def test_committed_changes_persist_and_uncommitted_ones_vanish() -> None:
    store: dict[UUID, Thing] = {}
    kept, lost = Thing("kept"), Thing("lost")

    uow, things = unit(store)
    async with uow:
        await things.add(kept)
        await uow.commit()
    uow, things = unit(store)
    async with uow:
        await things.add(lost)

    assert set(store) == {kept.id}


async def test_a_fetched_copy_changed_without_commit_leaves_the_store_alone() -> None:
    store: dict[UUID, Thing] = {}
    thing = Thing("original")
    store[thing.id] = thing

    uow, things = unit(store)
    async with uow:
        fetched = await things.get(thing.id)
        assert fetched is not None
        fetched.name = "changed"

    assert store[thing.id].name == "original"


async def test_removal_hides_at_once_and_applies_on_commit() -> None:
    thing = Thing("doomed")
    store = {thing.id: thing}

    uow, things = unit(store)
    async with uow:
        await things.remove(thing)
        assert await things.get(thing.id) is None
        assert list(things.visible()) == []
        await uow.commit()

    assert store == {}


async def test_the_fake_cache_goes_down_on_demand() -> None:
    cache = FakeCache()
    await cache.set("key", b"value", ttl_seconds=60)
    cache.down = True

    with pytest.raises(CacheUnavailable):
        await cache.get("key")
    with pytest.raises(CacheUnavailable):
        await cache.set_if_newer("key", b"v1", 1, ttl_seconds=60)
    cache.down = False
    assert await cache.get("key") == b"value"


async def test_the_fake_cache_runs_a_staged_step_once_before_the_operation() -> None:
    cache = FakeCache()

    async def newer_writer() -> None:
        await cache.set_if_newer("item", b"v2", 2, ttl_seconds=60)

    cache.before_next("set_if_newer", newer_writer)
    stale = await cache.set_if_newer("item", b"v1", 1, ttl_seconds=60)
    later = await cache.set_if_newer("item", b"v3", 3, ttl_seconds=60)

    assert (stale, later) == (False, True)
    with pytest.raises(ValueError, match="no cache operation"):
        cache.before_next("fetch", newer_writer)
