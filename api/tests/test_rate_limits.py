"""Rate limits: exact budgets per caller and route, login brute-force guards, one limit per fleet.

The Redis tests need a server on TEST_REDIS_URL (default redis://127.0.0.1:6379/0) and fail,
never skip, without one. Each test writes under its own key prefix and deletes it afterwards.
"""

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from limits.aio.storage import RedisStorage
from limits.aio.storage.redis.redispy import RedispyBridge
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.client_ip import install_client_ip
from api.errors import install_error_handlers
from api.rate_limits import (
    RateLimitConfig,
    RateLimited,
    RateLimiter,
    check_route_limits,
    enforce_login_limits,
    install_rate_limits,
    principal_key,
    rate_limit,
)
from api.rate_limits.limiter import REDIS_TIMEOUT_SECONDS, Quota, RateLimitUnavailable
from api.rate_limits.redis_window import RedisMovingWindow
from api.testing import TEST_REDIS_URL

NOTHING_LISTENS = "redis://127.0.0.1:9/0"
PROBLEM = "application/problem+json"
ANONYMOUS = "203.0.113.9"


@pytest.fixture(scope="session")
async def redis_url() -> str:
    client = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    error: RedisError | None = None
    try:
        await client.ping()  # type: ignore[misc]  # redis-py types it sync-or-async
    except RedisError as exc:
        error = exc
    finally:
        await client.aclose()
    if error is not None:
        pytest.fail(
            f"cannot reach Redis at TEST_REDIS_URL ({error}); start it on 127.0.0.1:6379 "
            "or point TEST_REDIS_URL at one",
            pytrace=False,
        )
    return TEST_REDIS_URL


@pytest.fixture
def prefix() -> str:
    return f"armature-test-{secrets.token_hex(6)}"


@pytest.fixture
async def redis(redis_url: str, prefix: str) -> AsyncIterator[Redis]:
    """A plain client on the test Redis; the test's keys are deleted afterwards."""
    client = Redis.from_url(redis_url)
    yield client
    async for key in client.scan_iter(match=f"{prefix}:*"):
        await client.delete(key)
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
def storage_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    request.getfixturevalue("redis")  # for its cleanup
    url: str = request.getfixturevalue("redis_url")
    return url


@dataclass(frozen=True)
class _Caller:
    account_id: UUID


async def _caller(request: Request) -> _Caller | None:
    """Stands for the bearer-token principal: the account named in a header, if any."""
    account = request.headers.get("x-account")
    return _Caller(UUID(account)) if account is not None else None


class _Login(BaseModel):
    username: str


def _app(limiter: RateLimiter, trusted_proxies: tuple[str, ...] = ()) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_rate_limits(app, limiter)
    router = APIRouter(dependencies=[Depends(rate_limit(_caller))])

    @router.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @router.get("/other")
    @router.get("/another")
    async def other() -> dict[str, str]:
        return {}

    @router.get("/own")
    async def own() -> Response:
        return Response(b"{}", media_type="application/json")

    @router.post("/sign-in")  # a login route behind the route limit, as the real one is
    async def sign_in(request: Request, body: _Login) -> dict[str, str]:
        await enforce_login_limits(request, body.username)
        return {}

    @app.post("/login")
    async def login(request: Request, body: _Login) -> dict[str, str]:
        await enforce_login_limits(request, body.username)
        return {}

    app.include_router(router, prefix="/api")
    app.include_router(router, prefix="/v2")  # one router under two prefixes: two templates
    install_client_ip(app, trusted_proxies)
    return app


@asynccontextmanager
async def _limiter(storage_url: str, prefix: str, **config: Any) -> AsyncIterator[RateLimiter]:
    limiter = RateLimiter(RateLimitConfig(storage_url=storage_url, key_prefix=prefix, **config))
    try:
        yield limiter
    finally:
        await limiter.close()


async def _call(
    app: FastAPI,
    method: str,
    path: str,
    *,
    peer: str = ANONYMOUS,
    headers: dict[str, str] | None = None,
    json: object = None,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.request(method, path, headers=headers, json=json)


async def _statuses(app: FastAPI, path: str, times: int, **kwargs: Any) -> list[int]:
    return [(await _call(app, "GET", path, **kwargs)).status_code for _ in range(times)]


async def test_allows_exactly_the_limit_then_answers_429(storage_url: str, prefix: str) -> None:
    async with _limiter(storage_url, prefix, default="3/minute") as limiter:
        app = _app(limiter)
        allowed = [await _call(app, "GET", "/api/other") for _ in range(3)]
        refused = await _call(app, "GET", "/api/other")

    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert [r.headers["RateLimit-Remaining"] for r in allowed] == ["2", "1", "0"]
    assert {r.headers["RateLimit-Limit"] for r in allowed} == {"3"}
    assert 0 < int(allowed[0].headers["RateLimit-Reset"]) <= 60
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Reset"] == refused.headers["Retry-After"]
    assert refused.json()["status"] == 429
    assert refused.json()["type"] == "urn:armature:problem:rate_limited"


async def test_answers_the_route_did_not_build_from_a_return_value_report_the_quota_once(
    storage_url: str, prefix: str
) -> None:
    async with _limiter(storage_url, prefix, default="5/minute") as limiter:
        app = _app(limiter)
        answers = [
            await _call(app, "GET", "/api/items/not-a-number"),  # refused after the count
            await _call(app, "GET", "/api/own"),  # a response the route built itself
            await _call(app, "GET", "/api/other"),
        ]

    assert [r.status_code for r in answers] == [422, 200, 200]
    assert answers[0].headers["content-type"] == PROBLEM
    assert [r.headers.get_list("RateLimit-Remaining") for r in answers] == [["4"], ["3"], ["2"]]
    assert [r.headers.get_list("RateLimit-Limit") for r in answers] == [["5"]] * 3


async def test_a_route_limit_overrides_the_default(storage_url: str, prefix: str) -> None:
    routes = {"GET /api/items/{item_id}": "2/minute"}
    async with _limiter(storage_url, prefix, default="4/minute", routes=routes) as limiter:
        app = _app(limiter)
        # Two paths, one route template: they share the route's budget.
        items = [await _call(app, "GET", f"/api/items/{n}") for n in range(3)]
        others = await _statuses(app, "/api/other", 2) + await _statuses(app, "/api/another", 3)

    assert [r.status_code for r in items] == [200, 200, 429]
    assert items[0].headers["RateLimit-Limit"] == "2"
    assert others == [200, 200, 200, 200, 429], "routes without a limit share the default"


async def test_a_router_included_twice_has_one_template_per_prefix(prefix: str) -> None:
    routes = {"GET /v2/items/{item_id}": "1/minute"}
    async with _limiter("memory://", prefix, default="3/minute", routes=routes) as limiter:
        app = _app(limiter)
        v2 = await _statuses(app, "/v2/items/1", 2)
        api = [(await _call(app, "GET", "/api/items/1")).headers["RateLimit-Limit"]]

    assert v2 == [200, 429]
    assert api == ["3"], "the /api copy of the route keeps the default"


async def test_each_principal_has_its_own_budget(storage_url: str, prefix: str) -> None:
    alice, bob = ({"X-Account": str(uuid4())} for _ in range(2))
    async with _limiter(storage_url, prefix, default="2/minute") as limiter:
        app = _app(limiter)
        seen = {
            "alice": await _statuses(app, "/api/other", 3, headers=alice),
            "bob": await _statuses(app, "/api/other", 3, headers=bob),
            "anonymous": await _statuses(app, "/api/other", 3),
            "elsewhere": await _statuses(app, "/api/other", 3, peer="198.51.100.4"),
        }

    assert seen == {caller: [200, 200, 429] for caller in seen}


async def test_login_is_limited_per_ip(storage_url: str, prefix: str) -> None:
    async with _limiter(storage_url, prefix, login_per_ip="3/minute") as limiter:
        app = _app(limiter)
        statuses = [
            (await _call(app, "POST", "/login", json={"username": f"user{n}"})).status_code
            for n in range(4)
        ]
        other_ip = await _call(app, "POST", "/login", json={"username": "x"}, peer="198.51.100.4")

    assert statuses == [200, 200, 200, 429]
    assert other_ip.status_code == 200


async def test_a_login_refusal_reports_the_login_quota_alone(storage_url: str, prefix: str) -> None:
    async with _limiter(storage_url, prefix, login_per_ip="1/minute") as limiter:
        app = _app(limiter)
        answers = [
            await _call(app, "POST", "/api/sign-in", json={"username": f"user{n}"})
            for n in range(2)
        ]

    assert [r.status_code for r in answers] == [200, 429]
    assert answers[0].headers.get_list("RateLimit-Limit") == ["300"], "the route's limit"
    assert answers[1].headers.get_list("RateLimit-Limit") == ["1"], "the login limit alone"
    assert answers[1].headers.get_list("RateLimit-Remaining") == ["0"]


async def test_login_is_limited_per_username_across_ips_and_case(
    storage_url: str, prefix: str
) -> None:
    spellings = ["Alice@Example.com", "alice@example.com", " ALICE@EXAMPLE.COM "]
    async with _limiter(storage_url, prefix, login_per_username="2/minute") as limiter:
        app = _app(limiter)
        statuses = [
            (await _call(app, "POST", "/login", json={"username": name}, peer=ip)).status_code
            for name, ip in zip(
                spellings, ["198.51.100.1", "198.51.100.2", "198.51.100.3"], strict=True
            )
        ]
        someone_else = await _call(app, "POST", "/login", json={"username": "bob@example.com"})

    assert statuses == [200, 200, 429]
    assert someone_else.status_code == 200


async def test_usernames_never_reach_redis_in_clear(
    redis_url: str, redis: Redis, prefix: str
) -> None:
    async with _limiter(redis_url, prefix) as limiter:
        await _call(_app(limiter), "POST", "/login", json={"username": "Alice@Example.com"})

    keys = [key.decode() async for key in redis.scan_iter(match=f"{prefix}:*")]
    assert len(keys) == 2, "one key per IP, one per username"
    assert not [key for key in keys if "alice" in key.lower() or "example" in key.lower()]


@pytest.mark.usefixtures("redis")  # for its cleanup
async def test_two_limiters_on_one_redis_enforce_one_limit(redis_url: str, prefix: str) -> None:
    async with (
        _limiter(redis_url, prefix, default="4/minute") as worker_a,
        _limiter(redis_url, prefix, default="4/minute") as worker_b,
    ):
        for worker in (worker_a, worker_b, worker_a, worker_b):
            await worker.hit(worker.default, "default", "ip:198.51.100.1")
        for worker in (worker_a, worker_b):
            with pytest.raises(RateLimited):
                await worker.hit(worker.default, "default", "ip:198.51.100.1")


async def test_the_one_trip_redis_window_is_the_window_limits_keeps(
    redis_url: str, redis: Redis, prefix: str
) -> None:
    """What a hit writes, limits' own strategy reads and counts on, and the other way round."""
    own = RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix=prefix)
    assert isinstance(own.bridge, RedispyBridge)
    theirs = MovingWindowRateLimiter(own)
    caller = ("default", "ip:198.51.100.2")
    try:
        async with _limiter(redis_url, prefix, default="3/minute") as limiter:
            first = await limiter.hit(limiter.default, *caller)
            assert await theirs.hit(limiter.default, *caller)
            stats = await theirs.get_window_stats(limiter.default, *caller)
            last = await limiter.hit(limiter.default, *caller)
            with pytest.raises(RateLimited):
                await limiter.hit(limiter.default, *caller)
            refused_by_them = not await theirs.hit(limiter.default, *caller)
            ttl = await redis.ttl(f"{prefix}:{limiter.default.key_for(*caller)}")
    finally:
        await own.bridge.storage.aclose()

    assert first is not None
    assert last is not None
    assert (first.remaining, stats.remaining, last.remaining) == (2, 1, 0)
    assert 58 <= first.reset_after_seconds <= 60
    assert 58 <= stats.reset_time - time.time() <= 60
    assert refused_by_them
    assert 0 < ttl <= 60, "the window's list expires with the window"


async def test_a_limit_of_zero_lets_nothing_through(storage_url: str, prefix: str) -> None:
    async with _limiter(storage_url, prefix, default="0/minute") as limiter:
        statuses = await _statuses(_app(limiter), "/api/other", 2)

    assert statuses == [429, 429]


@asynccontextmanager
async def _silent_redis() -> AsyncIterator[str]:
    """A server that takes connections and commands and never answers: a stuck Redis."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("fail_open", [True, False])
async def test_a_redis_that_never_answers_costs_a_hit_its_deadline_not_the_request(
    prefix: str, caplog: pytest.LogCaptureFixture, *, fail_open: bool
) -> None:
    async with _silent_redis() as url, _limiter(url, prefix, fail_open=fail_open) as limiter:
        started = time.monotonic()
        try:
            outcome: object = await limiter.hit(limiter.default, "default", "ip:198.51.100.3")
        except RateLimitUnavailable as refused:
            outcome = refused
        waited = time.monotonic() - started

    assert outcome is None if fail_open else isinstance(outcome, RateLimitUnavailable)
    assert REDIS_TIMEOUT_SECONDS <= waited < REDIS_TIMEOUT_SECONDS + 2
    outcome_text = "letting requests through" if fail_open else "refusing with 503"
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("api.rate_limits")]
    assert warnings == [
        f"rate limit storage unreachable, {outcome_text}: "
        f"Redis gave no answer within {REDIS_TIMEOUT_SECONDS} s"
    ]


async def test_redis_down_fails_open_and_warns_once(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with _limiter(NOTHING_LISTENS, prefix, default="1/minute", fail_open=True) as limiter:
        responses = [await _call(_app(limiter), "GET", "/api/other") for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "RateLimit-Remaining" not in responses[0].headers, "nothing was counted"
    warnings = [r for r in caplog.records if r.name.startswith("api.rate_limits")]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


async def test_redis_down_fails_closed_with_503(prefix: str) -> None:
    async with _limiter(NOTHING_LISTENS, prefix, fail_open=False) as limiter:
        response = await _call(_app(limiter), "GET", "/api/other")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["type"] == "urn:armature:problem:rate_limit_unavailable"


async def test_a_spoofed_forwarded_for_cannot_escape_the_ip_limit(prefix: str) -> None:
    async with _limiter("memory://", prefix, default="2/minute") as limiter:
        app = _app(limiter, trusted_proxies=("10.0.0.0/8",))
        statuses = [
            (
                await _call(app, "GET", "/api/other", headers={"X-Forwarded-For": f"192.0.2.{n}"})
            ).status_code
            for n in range(3)
        ]

    assert statuses == [200, 200, 429]


async def test_clients_behind_a_trusted_proxy_each_get_their_budget(prefix: str) -> None:
    async with _limiter("memory://", prefix, default="1/minute") as limiter:
        app = _app(limiter, trusted_proxies=("10.0.0.0/8",))
        statuses = [
            (
                await _call(
                    app, "GET", "/api/other", peer="10.0.0.5", headers={"X-Forwarded-For": ip}
                )
            ).status_code
            for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.1")
        ]

    assert statuses == [200, 200, 429]


async def test_close_releases_the_redis_connections(
    redis_url: str, redis: Redis, prefix: str
) -> None:
    async def connections() -> int:
        clients = await redis.client_list()
        return sum(client["name"] == f"{prefix}-rate-limits" for client in clients)

    async with _limiter(redis_url, prefix) as limiter:
        await limiter.hit(limiter.default, "default", "ip:198.51.100.1")
        assert await connections() == 1

    assert await connections() == 0


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"default": "lots"}, "rate limit default: 'lots' is not one limit"),
        ({"default": "1/second;10/minute"}, "is not one limit"),
        ({"routes": {"/api/items": "1/second"}}, "is not 'METHOD /route/{template}'"),
        ({"routes": {"FETCH /api/items": "1/second"}}, "is not 'METHOD /route/{template}'"),
        ({"routes": {"GET /api/items": "often"}}, "rate limit GET /api/items: 'often'"),
        ({"storage_url": "memcached://u:s3cr3t@cache"}, "not memcached://"),
    ],
)
def test_refuses_bad_configuration(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="rate limit") as raised:
        RateLimiter(RateLimitConfig(**config))

    assert message in str(raised.value)
    assert "s3cr3t" not in str(raised.value)


async def test_route_limits_must_name_routes_of_the_app(prefix: str) -> None:
    known = {"GET /api/items/{item_id}": "1/minute", "get /v2/other": "1/minute"}
    typo = {**known, "GET /api/item/{item_id}": "1/minute", "POST /api/other": "1/minute"}
    async with (
        _limiter("memory://", prefix, routes=known) as good,
        _limiter("memory://", prefix, routes=typo) as bad,
    ):
        check_route_limits(_app(good), good)
        with pytest.raises(ValueError, match="routes the app does not have") as raised:
            check_route_limits(_app(bad), bad)

    assert "GET /api/item/{item_id}, POST /api/other" in str(raised.value)


def test_principal_key_prefers_the_account() -> None:
    account = uuid4()

    assert principal_key(account, "198.51.100.1") == f"account:{account}"
    assert principal_key(None, "198.51.100.1") == "ip:198.51.100.1"
    assert principal_key(None, "2001:db8::1") == principal_key(None, "2001:db8::2")


# The Redis limiter's hits of one event-loop turn share a round trip, and lose nothing.

CALLER = ("default", "ip:198.51.100.20")


@pytest.fixture
async def limiter(redis_url: str, prefix: str, redis: Redis) -> AsyncIterator[RateLimiter]:
    del redis  # for its cleanup of the test's keys
    limiter = RateLimiter(
        RateLimitConfig(storage_url=redis_url, key_prefix=prefix, default="3/minute")
    )
    yield limiter
    await limiter.close()


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every pipeline the limiter sends."""
    sizes: list[int] = []
    send = RedisMovingWindow._pipeline

    async def counted(window: RedisMovingWindow, hits: list[Any]) -> list[Any]:
        sizes.append(len(hits))
        return await send(window, hits)

    monkeypatch.setattr(RedisMovingWindow, "_pipeline", counted)
    return sizes


async def _hit(limiter: RateLimiter) -> Quota | RateLimited | None:
    try:
        return await limiter.hit(limiter.default, *CALLER)
    except RateLimited as refused:
        return refused


async def test_hits_of_one_turn_share_a_round_trip_and_keep_the_limit(
    limiter: RateLimiter, round_trips: list[int]
) -> None:
    await limiter.hit(limiter.default, "default", "ip:198.51.100.21")  # loads the script
    round_trips.clear()

    outcomes = await asyncio.gather(*(_hit(limiter) for _ in range(5)))

    assert round_trips == [5]
    allowed = [o for o in outcomes if isinstance(o, Quota)]
    assert sorted(quota.remaining for quota in allowed) == [0, 1, 2]
    assert sum(isinstance(o, RateLimited) for o in outcomes) == 2


async def test_hits_of_later_turns_go_in_later_round_trips(
    limiter: RateLimiter, round_trips: list[int]
) -> None:
    await limiter.hit(limiter.default, "default", "ip:198.51.100.21")
    round_trips.clear()

    first = await _hit(limiter)
    second = await _hit(limiter)

    assert round_trips == [1, 1]
    assert isinstance(first, Quota)
    assert isinstance(second, Quota)
    assert (first.remaining, second.remaining) == (2, 1)


async def test_a_script_redis_forgot_is_loaded_again(
    limiter: RateLimiter, redis: Redis, round_trips: list[int]
) -> None:
    await limiter.hit(limiter.default, *CALLER)
    await redis.script_flush()
    round_trips.clear()

    outcomes = await asyncio.gather(_hit(limiter), _hit(limiter))

    assert round_trips == [2, 2], "refused for the script, then sent again once loaded"
    assert sorted(o.remaining for o in outcomes if isinstance(o, Quota)) == [0, 1]


async def test_a_cancelled_hit_leaves_the_others_answered(limiter: RateLimiter) -> None:
    waiting = [asyncio.create_task(_hit(limiter)) for _ in range(3)]
    await asyncio.sleep(0)  # each task queues its hit
    waiting[0].cancel()

    async with asyncio.timeout(5):  # a hit left unanswered would hang the request
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)

    assert isinstance(outcomes[0], asyncio.CancelledError)
    assert all(isinstance(o, Quota) for o in outcomes[1:])


async def test_a_failure_of_any_kind_answers_every_hit_of_the_trip(
    limiter: RateLimiter, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(_window: RedisMovingWindow, _hits: list[Any]) -> list[Any]:
        raise RuntimeError("not a Redis error")

    monkeypatch.setattr(RedisMovingWindow, "_pipeline", broken)

    async with asyncio.timeout(5):  # a hit left unanswered would hang the request
        outcomes = await asyncio.gather(*(_hit(limiter) for _ in range(3)))

    assert outcomes == [None, None, None], "an outage: the limiter fails open"


async def test_a_hit_redis_refuses_fails_alone(
    limiter: RateLimiter, redis: Redis, prefix: str, round_trips: list[int]
) -> None:
    broken = ("default", "ip:198.51.100.22")
    await redis.set(f"{prefix}:{limiter.default.key_for(*broken)}", "not a window")
    await limiter.hit(limiter.default, "default", "ip:198.51.100.21")  # loads the script
    round_trips.clear()

    refused, counted = await asyncio.gather(
        limiter.hit(limiter.default, *broken), limiter.hit(limiter.default, *CALLER)
    )

    assert round_trips == [2]
    assert refused is None, "WRONGTYPE for that key alone: it fails open"
    assert isinstance(counted, Quota)
    assert counted.remaining == 2
