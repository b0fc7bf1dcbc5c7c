"""Both cache adapters keep the same contract: TTLs, atomic add, versioned entries that never
go backwards, bounded memory, clear failures; and so does the fake built on them.

The Redis tests need a server on TEST_REDIS_URL (default redis://127.0.0.1:6379/0) and fail,
never skip, without one. Each test writes under its own key prefix and deletes it afterwards.
"""

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from api.testing import TEST_REDIS_URL, delete_redis_keys, redis_test_prefix
from core.adapters.memory_cache import InMemoryCache
from core.adapters.redis_cache import RedisCache
from core.interfaces.cache import MAX_VERSION, Cache, CacheUnavailable, Versioned
from core.testing import FakeCache
from core.testing.ports import free_port


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis", "fake"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    """Each contract test runs on both adapters and the fake; Redis keys get their own prefix."""
    if request.param != "redis":
        yield InMemoryCache() if request.param == "memory" else FakeCache()
        return
    prefix = redis_test_prefix()
    redis_cache = RedisCache(TEST_REDIS_URL, prefix=prefix)
    try:
        yield redis_cache
    finally:
        await redis_cache.close()
        await delete_redis_keys(prefix)


async def test_get_returns_what_set_stored_and_none_for_unknown_keys(cache: Cache) -> None:
    await cache.set("greeting", b"hello", ttl_seconds=60)

    assert await cache.get("greeting") == b"hello"
    assert await cache.get("unknown") is None


async def test_set_replaces_the_previous_value(cache: Cache) -> None:
    await cache.set("key", b"first", ttl_seconds=60)
    await cache.set("key", b"second", ttl_seconds=60)

    assert await cache.get("key") == b"second"


async def test_add_stores_only_when_the_key_is_absent(cache: Cache) -> None:
    first = await cache.add("key", b"first", ttl_seconds=60)
    second = await cache.add("key", b"second", ttl_seconds=60)

    assert (first, second) == (True, False)
    assert await cache.get("key") == b"first"


async def test_delete_removes_the_key_and_is_harmless_when_absent(cache: Cache) -> None:
    await cache.set("key", b"value", ttl_seconds=60)

    await cache.delete("key")
    await cache.delete("key")

    assert await cache.get("key") is None
    assert await cache.add("key", b"again", ttl_seconds=60)


async def test_values_expire_after_their_ttl(cache: Cache) -> None:
    await cache.set("short", b"value", ttl_seconds=0.05)
    await cache.set("long", b"value", ttl_seconds=60)

    await asyncio.sleep(0.15)

    assert await cache.get("short") is None
    assert await cache.get("long") == b"value"
    assert await cache.add("short", b"new", ttl_seconds=60), "an expired key counts as absent"


async def test_exactly_one_of_twenty_concurrent_adds_wins(cache: Cache) -> None:
    results = await asyncio.gather(
        *(cache.add("claim", str(n).encode(), ttl_seconds=60) for n in range(20))
    )

    assert results.count(True) == 1
    winner = results.index(True)
    assert await cache.get("claim") == str(winner).encode()


@pytest.mark.parametrize("ttl", [0, -1])
async def test_a_ttl_that_is_not_positive_is_refused(cache: Cache, ttl: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        await cache.set("key", b"value", ttl_seconds=ttl)
    with pytest.raises(ValueError, match="positive"):
        await cache.set_if_newer("key", b"value", 1, ttl_seconds=ttl)


async def test_set_if_newer_stores_only_a_higher_version(cache: Cache) -> None:
    stored = [
        await cache.set_if_newer("item", b"v2", 2, ttl_seconds=60),
        await cache.set_if_newer("item", b"v1", 1, ttl_seconds=60),
        await cache.set_if_newer("item", b"v2 again", 2, ttl_seconds=60),
        await cache.set_if_newer("item", b"v5", 5, ttl_seconds=60),
    ]

    assert stored == [True, False, False, True]
    assert await cache.get_versioned("item") == Versioned(5, b"v5")


async def test_versioned_values_keep_any_bytes(cache: Cache) -> None:
    value = b'{"a": "b:c"}\x00\xff:9:'
    await cache.set_if_newer("item", value, MAX_VERSION - 1, ttl_seconds=60)

    assert await cache.get_versioned("item") == Versioned(MAX_VERSION - 1, value)
    assert not await cache.set_if_newer("item", b"older", MAX_VERSION - 2, ttl_seconds=60)
    assert await cache.set_if_newer("item", b"newest", MAX_VERSION, ttl_seconds=60)


async def test_an_unversioned_value_is_no_versioned_entry_and_yields_to_one(cache: Cache) -> None:
    await cache.set("item", b"plain", ttl_seconds=60)

    assert await cache.get_versioned("item") is None
    assert await cache.set_if_newer("item", b"v1", 1, ttl_seconds=60)
    assert await cache.get_versioned("item") == Versioned(1, b"v1")


@pytest.mark.parametrize("version", [-1, MAX_VERSION + 1])
async def test_a_version_outside_the_exact_range_is_refused(cache: Cache, version: int) -> None:
    with pytest.raises(ValueError, match="version"):
        await cache.set_if_newer("item", b"value", version, ttl_seconds=60)


async def test_versioned_entries_expire_and_then_accept_any_version(cache: Cache) -> None:
    await cache.set_if_newer("item", b"v9", 9, ttl_seconds=0.05)

    await asyncio.sleep(0.15)

    assert await cache.get_versioned("item") is None
    assert await cache.set_if_newer("item", b"v3", 3, ttl_seconds=60)


async def test_racing_versioned_writers_leave_the_highest_version(cache: Cache) -> None:
    versions = sorted(range(1, 41), key=lambda version: version * 17 % 41)  # shuffled

    results = await asyncio.gather(
        *(cache.set_if_newer("item", b"v%d" % v, v, ttl_seconds=60) for v in versions)
    )

    assert await cache.get_versioned("item") == Versioned(40, b"v40")
    assert results[versions.index(40)], "the highest version is always stored"


async def test_memory_cache_expires_on_its_monotonic_clock() -> None:
    clock = FakeClock()
    cache = InMemoryCache(clock=clock)
    await cache.set("key", b"value", ttl_seconds=10)

    clock.now += 9.9
    kept = await cache.get("key")
    clock.now += 0.1
    gone = await cache.get("key")

    assert (kept, gone) == (b"value", None)


async def test_memory_cache_evicts_expired_entries_before_live_ones() -> None:
    clock = FakeClock()
    cache = InMemoryCache(max_entries=3, clock=clock)
    await cache.set("old-live", b"1", ttl_seconds=100)
    await cache.set("expiring", b"2", ttl_seconds=1)
    await cache.set("young-live", b"3", ttl_seconds=100)
    clock.now += 2

    await cache.set("new", b"4", ttl_seconds=100)

    assert len(cache) == 3
    assert await cache.get("old-live") == b"1"
    assert await cache.get("young-live") == b"3"
    assert await cache.get("new") == b"4"


async def test_memory_cache_evicts_the_oldest_entries_when_none_expired() -> None:
    cache = InMemoryCache(max_entries=10)
    for n in range(25):
        await cache.set(f"key-{n}", b"value", ttl_seconds=100)

    assert len(cache) <= 10
    assert await cache.get("key-24") == b"value"
    assert await cache.get("key-0") is None


async def test_redis_cache_on_a_closed_port_raises_cache_unavailable_quickly() -> None:
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(CacheUnavailable):
            await cache.get("key")
        with pytest.raises(CacheUnavailable):
            await cache.set("key", b"value", ttl_seconds=1)
        with pytest.raises(CacheUnavailable):
            await cache.add("key", b"value", ttl_seconds=1)
        with pytest.raises(CacheUnavailable):
            await cache.delete("key")
        with pytest.raises(CacheUnavailable):
            await cache.get_versioned("key")
        with pytest.raises(CacheUnavailable):
            await cache.set_if_newer("key", b"value", 1, ttl_seconds=1)
    finally:
        await cache.close()

    assert time.monotonic() - started < 2.0


async def test_redis_cache_on_an_unroutable_address_gives_up_within_its_timeout() -> None:
    # 192.0.2.0/24 (TEST-NET-1) never answers: this exercises the connect timeout, not a refusal.
    cache = RedisCache("redis://192.0.2.1:6379/0", socket_timeout=0.2)
    started = time.monotonic()
    try:
        with pytest.raises(CacheUnavailable):
            await cache.get("key")
    finally:
        await cache.close()

    assert time.monotonic() - started < 1.5


async def test_redis_set_if_newer_survives_a_flushed_script_cache() -> None:
    prefix = redis_test_prefix()
    cache = RedisCache(TEST_REDIS_URL, prefix=prefix)
    admin = Redis.from_url(TEST_REDIS_URL)
    try:
        await cache.set_if_newer("item", b"v1", 1, ttl_seconds=60)
        await admin.script_flush()  # as a Redis restart does

        assert await cache.set_if_newer("item", b"v2", 2, ttl_seconds=60)
        assert not await cache.set_if_newer("item", b"v1", 1, ttl_seconds=60)
        assert await admin.get(f"{prefix}item") == b"2:v2", "one stored form for every adapter"
    finally:
        await admin.aclose()
        await cache.close()
        await delete_redis_keys(prefix)


async def test_redis_versioned_entries_carry_their_ttl() -> None:
    prefix = redis_test_prefix()
    cache = RedisCache(TEST_REDIS_URL, prefix=prefix)
    admin = Redis.from_url(TEST_REDIS_URL)
    try:
        await cache.set_if_newer("item", b"v1", 1, ttl_seconds=30)
        ttl_ms = await admin.pttl(f"{prefix}item")
    finally:
        await admin.aclose()
        await cache.close()
        await delete_redis_keys(prefix)

    assert 29_000 < ttl_ms <= 30_000
