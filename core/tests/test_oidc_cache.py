"""The OIDC verifier keeps providers' discovery and keys in the Cache port: shared by every
worker with Redis, and a cache that fails costs a fetch at most, never a refused good token."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest

from api.testing import TEST_REDIS_URL, delete_redis_keys, redis_test_prefix
from api.testing_oidc import COOLDOWN, TTL, FakeClock, FakeProvider, oidc_verifier
from core.adapters.oidc import OidcTokenVerifier
from core.adapters.redis_cache import RedisCache
from core.interfaces.tokens import InvalidToken
from core.testing import FakeCache
from core.testing.ports import free_port

Workers = tuple[OidcTokenVerifier, OidcTokenVerifier]


@pytest.fixture
async def workers(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock
) -> AsyncIterator[Workers]:
    """Two workers' verifiers, each with its own client of one Redis, under a fresh prefix."""
    prefix = redis_test_prefix()
    caches = (RedisCache(TEST_REDIS_URL, prefix=prefix), RedisCache(TEST_REDIS_URL, prefix=prefix))
    yield (
        oidc_verifier(http_client, provider.issuer, clock, caches[0]),
        oidc_verifier(http_client, provider.issuer, clock, caches[1]),
    )
    for cache in caches:
        await cache.close()
    await delete_redis_keys(prefix)


async def test_two_workers_sharing_redis_fetch_the_keys_once(
    workers: Workers, provider: FakeProvider
) -> None:
    first, second = workers

    await first.verify(provider.token(sub="on-the-first"))
    claims = await second.verify(provider.token(sub="on-the-second"))

    assert claims["sub"] == "on-the-second"
    assert provider.hits == Counter({"discovery": 1, "jwks": 1})


async def test_a_rotation_fetched_by_one_worker_serves_the_other(
    workers: Workers, provider: FakeProvider, clock: FakeClock
) -> None:
    first, second = workers
    await first.verify(provider.token())
    await second.verify(provider.token())
    clock.advance(COOLDOWN)
    provider.rotate()

    await first.verify(provider.token(sub="rotated"))
    claims = await second.verify(provider.token(sub="rotated"))

    assert claims["sub"] == "rotated"
    assert provider.hits == Counter({"discovery": 1, "jwks": 2})


async def test_shared_keys_past_their_ttl_are_fetched_again(
    workers: Workers, provider: FakeProvider, clock: FakeClock
) -> None:
    first, second = workers
    await first.verify(provider.token())
    clock.advance(TTL)

    await second.verify(provider.token())

    assert provider.hits == Counter({"discovery": 2, "jwks": 2})


async def test_an_unavailable_cache_falls_back_to_the_provider_and_this_processs_copy(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock
) -> None:
    cache = FakeCache()
    cache.down = True
    verifier = oidc_verifier(http_client, provider.issuer, clock, cache)

    claims = [await verifier.verify(provider.token(sub=f"user-{n}")) for n in range(3)]

    assert [c["sub"] for c in claims] == ["user-0", "user-1", "user-2"]
    assert provider.hits == Counter({"discovery": 1, "jwks": 1})


async def test_redis_down_and_provider_down_is_an_invalid_token_not_an_error(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock
) -> None:
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2)
    verifier = oidc_verifier(http_client, nobody_listens, clock, cache)
    try:
        with pytest.raises(InvalidToken, match="unavailable"):
            await verifier.verify(provider.token(iss=nobody_listens))
    finally:
        await cache.close()


@pytest.mark.parametrize(
    "entry",
    [b"not json", b'{"keys": ["a list"], "fetched_at": 1000}', b'{"fetched_at": 1000}'],
    ids=["garbage", "wrong shape", "no keys"],
)
async def test_a_malformed_cached_key_set_is_ignored(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock, entry: bytes
) -> None:
    cache = FakeCache()
    await cache.set(f"oidc:jwks:{provider.issuer}", entry, ttl_seconds=60)
    verifier = oidc_verifier(http_client, provider.issuer, clock, cache)

    assert (await verifier.verify(provider.token()))["sub"] == "user-1"
    assert provider.hits["jwks"] == 1


async def test_keys_from_the_shared_copy_still_refuse_a_forged_token(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock
) -> None:
    cache = FakeCache()
    first = oidc_verifier(http_client, provider.issuer, clock, cache)
    await first.verify(provider.token())
    forged = provider.token(key=provider.stranger, headers={"kid": provider.key.public.kid})

    second = oidc_verifier(http_client, provider.issuer, clock, cache)

    with pytest.raises(InvalidToken):
        await second.verify(forged)
    assert provider.hits["jwks"] == 1, "the second verifier used the shared copy"


async def test_a_failed_key_fetch_forgets_the_shared_discovery(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock
) -> None:
    cache = FakeCache()
    verifier = oidc_verifier(http_client, provider.issuer, clock, cache)
    await verifier.verify(provider.token())
    assert await cache.get(f"oidc:discovery:{provider.issuer}") is not None
    clock.advance(COOLDOWN)
    provider.failing = True

    with pytest.raises(InvalidToken, match="no key"):
        await verifier.verify(provider.token(headers={"kid": "moved"}))

    assert await cache.get(f"oidc:discovery:{provider.issuer}") is None
    provider.failing = False
    clock.advance(COOLDOWN)
    provider.rotate()
    assert (await verifier.verify(provider.token(sub="found")))["sub"] == "found"
    assert provider.hits["discovery"] == 2
