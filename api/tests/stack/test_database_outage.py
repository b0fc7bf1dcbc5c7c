"""PostgreSQL goes away under load and comes back: fast 503 problems meanwhile, then service
as before, with no restart. The database sits behind a TCP proxy that the test cuts (every
connection reset, new ones refused) and restores: what a server restart looks like to clients."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from accounts.testing import AccountsApi
from api.testing_servers import eventually
from api.testing_stack import E2E_SCOPES, Stack, served_stack, stack_env
from core.testing.tcp_proxy import TcpProxy

OUTAGE_SECONDS = 3.0
FAST = 2.0


@pytest.fixture(scope="module")
async def proxy(stack_database: str) -> AsyncIterator[TcpProxy]:
    url = make_url(stack_database)
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture(scope="module")
async def stack(
    folder: Path,
    stack_database: str,
    proxy: TcpProxy,
    fresh_redis: None,
) -> AsyncIterator[Stack]:
    """The stack on the proxied database; started off the loop, which the proxy runs on."""
    proxied = make_url(stack_database).set(host="127.0.0.1", port=proxy.port)
    env = stack_env(
        folder,
        proxied.render_as_string(hide_password=False),
        RATE_LIMIT_DEFAULT="100000/minute",
    )
    serving = served_stack(env)
    stack = await asyncio.to_thread(serving.__enter__)
    try:
        yield stack
    finally:
        await asyncio.to_thread(serving.__exit__, None, None, None)


async def timed_get(
    http: httpx.AsyncClient, url: str, auth: dict[str, str]
) -> tuple[int, str, float]:
    started = time.monotonic()
    response = await http.get(url, headers=auth)
    return response.status_code, response.headers["content-type"], time.monotonic() - started


async def test_requests_fail_fast_during_the_outage_and_recover_without_a_restart(
    http: httpx.AsyncClient, stack: Stack, proxy: TcpProxy
) -> None:
    accounts = AccountsApi(http)
    auth = accounts.bearer(await accounts.sign_in("outage@example.com", scope=E2E_SCOPES))
    item = (await http.post("/api/v1/items", json={"name": "Kept"}, headers=auth)).json()
    url = f"/api/v1/items/{item['id']}"
    master = stack.pid("gunicorn")

    await proxy.cut()
    during: list[tuple[int, str, float]] = []
    deadline = time.monotonic() + OUTAGE_SECONDS
    while time.monotonic() < deadline:
        during.append(await timed_get(http, url, auth))
    unready = (await http.get("/ready")).status_code
    await proxy.restore()

    async def served() -> int | None:
        status = (await http.get(url, headers=auth)).status_code
        return status if status == 200 else None

    assert await eventually(served, within=15) == 200
    assert {(status, kind) for status, kind, _ in during} == {(503, "application/problem+json")}
    assert max(seconds for _, _, seconds in during) < FAST
    assert unready == 503
    assert (await http.get("/ready")).status_code == 200
    assert stack.pid("gunicorn") == master
    changed = await http.patch(url, json={"name": "Again"}, headers=auth)
    assert changed.status_code == 200
