"""Idempotency-Key on POST: one run per key, replays for retries, never a failure of its own.

Runs on SQLite and PostgreSQL; the concurrent test also runs on the real Redis of
TEST_REDIS_URL (default redis://127.0.0.1:6379/0), under a key prefix of its own.
"""

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI, HTTPException

from api.bootstrap import ApplicationContainer
from api.errors import install_error_handlers
from api.idempotency import IdempotencyConfig, IdempotencyMiddleware, valid_key
from api.main import create_app
from api.testing import TEST_REDIS_URL, delete_redis_keys, redis_test_prefix
from core.adapters.memory_cache import InMemoryCache
from core.adapters.redis_cache import RedisCache
from core.interfaces.cache import Cache
from core.testing import FakeAuthenticator
from core.testing.ports import free_port

ITEMS = "/api/v1/items"
PROBLEM = "application/problem+json"


def key() -> dict[str, str]:
    return {"Idempotency-Key": secrets.token_urlsafe(16)}


@pytest.fixture
def caller(authenticator: FakeAuthenticator) -> dict[str, str]:
    return {"Authorization": f"Bearer {authenticator.issue('items:read', 'items:write')}"}


@asynccontextmanager
async def client_over(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def total(client: httpx.AsyncClient, caller: dict[str, str]) -> int:
    response = await client.get(ITEMS, headers=caller)
    count: int = response.json()["total"]
    return count


async def test_a_retry_replays_the_first_response_and_creates_one_item(
    client: httpx.AsyncClient, caller: dict[str, str]
) -> None:
    headers = {**caller, **key()}

    first = await client.post(ITEMS, json={"name": "Widget"}, headers=headers)
    retry = await client.post(ITEMS, json={"name": "Widget"}, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    for name in ("content-type", "location", "etag"):
        assert retry.headers[name] == first.headers[name]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await total(client, caller) == 1


async def test_the_same_key_with_another_body_is_422_and_creates_nothing_more(
    client: httpx.AsyncClient, caller: dict[str, str]
) -> None:
    headers = {**caller, **key()}
    await client.post(ITEMS, json={"name": "Widget"}, headers=headers)

    reused = await client.post(ITEMS, json={"name": "Gadget"}, headers=headers)

    assert reused.status_code == 422
    assert reused.headers["content-type"] == PROBLEM
    assert reused.json()["type"] == "urn:armature:problem:idempotency_key_reused"
    assert await total(client, caller) == 1


@pytest.mark.parametrize(
    "value", [b"", b"x" * 256, b"has space", "caf\u00e9".encode("latin-1"), b"tab\there"]
)
async def test_a_malformed_key_is_400_and_nothing_runs(
    client: httpx.AsyncClient, caller: dict[str, str], value: bytes
) -> None:
    headers = [(b"Authorization", caller["Authorization"].encode()), (b"Idempotency-Key", value)]

    response = await client.post(ITEMS, json={"name": "Widget"}, headers=headers)

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert await total(client, caller) == 0


async def test_two_keys_in_one_request_are_400(
    client: httpx.AsyncClient, caller: dict[str, str]
) -> None:
    headers = [*caller.items(), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")]

    response = await client.post(ITEMS, json={"name": "Widget"}, headers=headers)

    assert response.status_code == 400


async def test_two_callers_with_the_same_key_each_get_their_own_item(
    client: httpx.AsyncClient, authenticator: FakeAuthenticator, caller: dict[str, str]
) -> None:
    other = {"Authorization": f"Bearer {authenticator.issue('items:read', 'items:write')}"}
    shared = key()

    mine = await client.post(ITEMS, json={"name": "Widget"}, headers={**caller, **shared})
    theirs = await client.post(ITEMS, json={"name": "Widget"}, headers={**other, **shared})

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers


async def test_a_4xx_first_response_is_replayed_too(
    client: httpx.AsyncClient, caller: dict[str, str]
) -> None:
    headers = {**caller, **key()}

    first = await client.post(ITEMS, json={"name": ""}, headers=headers)
    retry = await client.post(ITEMS, json={"name": ""}, headers=headers)

    assert first.status_code == retry.status_code == 422
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"


async def test_a_streamed_body_over_the_limit_is_still_413_with_a_key(
    client: httpx.AsyncClient, caller: dict[str, str]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):  # 17 x 64 KiB > MAX_BODY_BYTES (1 MiB); no Content-Length
            yield b"x" * 65_536

    headers = {**caller, **key(), "Content-Type": "application/json"}
    response = await client.post(ITEMS, content=chunks(), headers=headers)

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_other_methods_ignore_the_header(
    client: httpx.AsyncClient, caller: dict[str, str]
) -> None:
    headers = {**caller, "Idempotency-Key": "not valid here"}

    response = await client.get(ITEMS, headers=headers)

    assert response.status_code == 200
    assert "idempotent-replayed" not in response.headers


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        yield InMemoryCache()
        return
    prefix = redis_test_prefix()
    redis_cache = RedisCache(TEST_REDIS_URL, prefix=prefix)
    yield redis_cache
    await redis_cache.close()
    await delete_redis_keys(prefix)


async def test_twenty_concurrent_duplicates_create_exactly_one_item(
    container: ApplicationContainer, caller: dict[str, str], cache: Cache
) -> None:
    container.cache.override(providers.Object(cache))
    headers = {**caller, **key()}
    async with client_over(create_app(container)) as client:
        responses = await asyncio.gather(
            *(client.post(ITEMS, json={"name": "Widget"}, headers=headers) for _ in range(20))
        )

        assert [r.status_code for r in responses] == [201] * 20
        assert len({r.json()["id"] for r in responses}) == 1
        assert sum("idempotent-replayed" in r.headers for r in responses) == 19
        assert await total(client, caller) == 1


async def test_requests_still_succeed_when_the_cache_is_down(
    container: ApplicationContainer, caller: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    down = RedisCache(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2)
    container.cache.override(providers.Object(down))
    headers = {**caller, **key()}
    async with client_over(create_app(container)) as client:
        with caplog.at_level(logging.WARNING, logger="api.idempotency"):
            first = await client.post(ITEMS, json={"name": "Widget"}, headers=headers)
            again = await client.post(ITEMS, json={"name": "Widget"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert "cache is unavailable" in caplog.text
    await down.close()


def tiny_app(cache: Cache, **config: float) -> tuple[FastAPI, list[int]]:
    """A POST route that fails its first run with a 503 and its second with an exception."""
    runs: list[int] = []
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things", status_code=201)
    async def create_thing(body: dict[str, Any]) -> dict[str, Any]:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            raise HTTPException(503, "try again")
        if len(runs) == 2:
            raise RuntimeError("boom")
        await asyncio.sleep(body.get("sleep", 0))
        return {"run": len(runs)}

    app.add_middleware(IdempotencyMiddleware, cache=cache, config=IdempotencyConfig(**config))
    return app, runs


async def test_a_5xx_or_an_exception_frees_the_key_for_a_retry() -> None:
    app, runs = tiny_app(InMemoryCache())
    headers = key()
    async with client_over(app) as client:
        statuses = [
            (await client.post("/things", json={}, headers=headers)).status_code for _ in range(4)
        ]
        last = await client.post("/things", json={}, headers=headers)

    assert statuses == [503, 500, 201, 201]
    assert runs == [1, 2, 3], "the fourth request replayed the third"
    assert last.json() == {"run": 3}


async def test_a_duplicate_waits_then_gets_409_while_the_first_still_runs() -> None:
    app, runs = tiny_app(InMemoryCache(), wait_seconds=0.1)
    runs.extend([1, 2])  # skip the failing runs
    headers = key()
    async with client_over(app) as client:
        slow = asyncio.create_task(client.post("/things", json={"sleep": 0.5}, headers=headers))
        await asyncio.sleep(0.05)
        duplicate = await client.post("/things", json={"sleep": 0.5}, headers=headers)
        first = await slow

    assert first.status_code == 201
    assert duplicate.status_code == 409
    assert duplicate.json()["type"] == "urn:armature:problem:idempotency_key_in_progress"


@pytest.mark.parametrize(
    ("value", "valid"),
    [(b"a", True), (b"~" * 255, True), (b"!#$%", True), (b"", False), (b"a b", False)],
)
def test_keys_are_one_to_255_visible_ascii_characters(value: bytes, valid: bool) -> None:
    assert valid_key(value) is valid
