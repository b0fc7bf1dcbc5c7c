"""GET /api/v1/items/{id} through the item cache, on real Redis reached through a TCP proxy
that the last test cuts mid-traffic: reads fall back to the database, never to an error."""

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from dependency_injector import providers
from pydantic import SecretStr

from api.bootstrap import ApplicationContainer
from api.settings import Settings
from api.testing import TEST_REDIS_URL, delete_redis_keys, redis_test_prefix
from core.adapters.redis_cache import RedisCache
from core.testing import FakeAuthenticator, TcpProxy

REDIS = urlsplit(TEST_REDIS_URL)
ITEMS = "/api/v1/items"


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    async with TcpProxy(REDIS.hostname or "127.0.0.1", REDIS.port or 6379) as running:
        yield running


@pytest.fixture
def settings(settings: Settings, proxy: TcpProxy) -> Settings:
    """The test settings, with Redis (the cache and the rate limits) behind the proxy."""
    proxied = f"redis://127.0.0.1:{proxy.port}{REDIS.path or '/0'}"
    return settings.model_copy(update={"redis_url": SecretStr(proxied)})


@pytest.fixture
async def redis_cache(settings: Settings) -> AsyncIterator[RedisCache]:
    """A cache on the proxied Redis, under a prefix of this test's own."""
    assert settings.redis_url is not None
    prefix = redis_test_prefix()
    cache = RedisCache(settings.redis_url.get_secret_value(), prefix=prefix)
    yield cache
    await cache.close()
    await delete_redis_keys(prefix)


@pytest.fixture
async def container(
    container: ApplicationContainer, redis_cache: RedisCache
) -> AsyncIterator[ApplicationContainer]:
    """The test container, its cache that one: the app is built on it."""
    container.cache.override(providers.Object(redis_cache))
    yield container
    await container.rate_limiter().close()


async def create(client: httpx.AsyncClient, name: str = "Lamp") -> dict[str, object]:
    response = await client.post(ITEMS, json={"name": name, "price": "9.5"})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_get_after_a_patch_answers_the_new_item_and_etag(
    client: httpx.AsyncClient, redis_cache: RedisCache
) -> None:
    item = await create(client)
    url = f"{ITEMS}/{item['id']}"
    first = await client.get(url)

    patched = await client.patch(url, json={"name": "Desk lamp", "price": "12.5"})
    second = await client.get(url)

    assert first.json() == item, "the price reads back as stored: 9.50"
    assert item["price"] == "9.50"
    assert second.status_code == 200
    assert second.json() == patched.json()
    assert second.json()["price"] == "12.50"
    assert second.headers["ETag"] == patched.headers["ETag"] == '"2"'
    assert await redis_cache.get_versioned(f"items:{item['id']}") is not None


async def test_a_cached_item_answers_304_for_its_current_tag_only(
    client: httpx.AsyncClient,
) -> None:
    item = await create(client)
    url = f"{ITEMS}/{item['id']}"
    await client.get(url)

    unchanged = await client.get(url, headers={"If-None-Match": '"1"'})
    await client.patch(url, json={"name": "Changed"})
    changed = await client.get(url, headers={"If-None-Match": '"1"'})

    assert unchanged.status_code == 304
    assert (changed.status_code, changed.json()["name"]) == (200, "Changed")


async def test_a_cached_item_is_404_for_another_account(
    client: httpx.AsyncClient, authenticator: FakeAuthenticator
) -> None:
    item = await create(client)
    url = f"{ITEMS}/{item['id']}"
    assert (await client.get(url)).status_code == 200
    stranger = {"Authorization": f"Bearer {authenticator.issue('items:read')}"}

    response = await client.get(url, headers=stranger)

    assert response.status_code == 404


async def test_a_deleted_item_is_404_and_stays_so(client: httpx.AsyncClient) -> None:
    item = await create(client)
    url = f"{ITEMS}/{item['id']}"
    await client.get(url)

    assert (await client.delete(url)).status_code == 204
    assert [(await client.get(url)).status_code for _ in range(2)] == [404, 404]


async def test_reads_and_writes_go_on_from_the_database_while_redis_is_cut(
    client: httpx.AsyncClient, proxy: TcpProxy
) -> None:
    item = await create(client, "n0")
    url = f"{ITEMS}/{item['id']}"
    expected = item
    statuses: list[int] = []
    mismatches: list[str] = []
    cut_at, restored_at = 30, 60

    for step in range(90):
        if step == cut_at:
            cutting = asyncio.create_task(proxy.cut())  # lands during the next request
        if step == restored_at:
            await cutting
            await proxy.restore()  # Redis still holds the item as it was before the cut
        if step % 3 == 1:
            patched = await client.patch(url, json={"name": f"n{step}"})
            statuses.append(patched.status_code)
            expected = patched.json()
        read = await client.get(url)
        statuses.append(read.status_code)
        body = read.json()
        if body != expected or read.headers.get("ETag") != f'"{body["version"]}"':
            mismatches.append(f"step {step}: {body} (ETag {read.headers.get('ETag')})")

    assert set(statuses) == {200}
    assert mismatches == []
    assert expected["version"] == 31
