"""PostgreSQL or RabbitMQ goes away and comes back, through the whole stack.

Each sits behind a TCP proxy that the test cuts (every connection reset, new ones refused)
and restores: what a server restart looks like to its clients. A database outage is a fast
503 problem and service resumes with no restart; a broker outage fails no request, and every
event then runs its automation exactly once."""

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
from automations.testing import item_with_automation
from core.testing.tcp_proxy import TcpProxy

OUTAGE_SECONDS = 3.0
FAST = 2.0
UPDATES_DURING_OUTAGE = 8
RABBITMQ = ("127.0.0.1", 5672)


@pytest.fixture(scope="module")
async def proxy(stack_database: str) -> AsyncIterator[TcpProxy]:
    url = make_url(stack_database)
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture(scope="module")
async def broker_proxy() -> AsyncIterator[TcpProxy]:
    async with TcpProxy(*RABBITMQ) as running:
        yield running


@pytest.fixture(scope="module")
async def stack(
    folder: Path,
    stack_database: str,
    proxy: TcpProxy,
    broker_proxy: TcpProxy,
    fresh_redis: None,
) -> AsyncIterator[Stack]:
    """The stack on the proxied services; started off the loop, which the proxies run on."""
    proxied = make_url(stack_database).set(host="127.0.0.1", port=proxy.port)
    env = stack_env(
        folder,
        proxied.render_as_string(hide_password=False),
        RABBITMQ_URL=f"amqp://guest:guest@127.0.0.1:{broker_proxy.port}/",
        RABBITMQ_EXCHANGE="armature-e2e-outage",
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


async def test_item_updates_survive_a_broker_outage_and_run_once_each(
    http: httpx.AsyncClient, broker_proxy: TcpProxy
) -> None:
    accounts = AccountsApi(http)
    auth = accounts.bearer(await accounts.sign_in("broker@example.com", scope=E2E_SCOPES))
    item, automation = await item_with_automation(
        http, auth, "print(event['item']['name'])", item_name="n0"
    )
    runs_url = f"/api/v1/automations/{automation['id']}/runs?limit=100"

    await broker_proxy.cut()
    statuses = [
        (
            await http.patch(f"/api/v1/items/{item['id']}", json={"name": f"n{n}"}, headers=auth)
        ).status_code
        for n in range(1, UPDATES_DURING_OUTAGE + 1)
    ]
    await asyncio.sleep(1)
    await broker_proxy.restore()

    async def all_ran() -> list[str] | None:
        runs = (await http.get(runs_url, headers=auth)).json()["items"]
        done = [run["stdout"].strip() for run in runs if run["status"] == "succeeded"]
        return done if len(done) >= UPDATES_DURING_OUTAGE else None

    outputs = await eventually(all_ran, within=60)
    await asyncio.sleep(2)  # time for a duplicate to show, were there one
    again = (await http.get(runs_url, headers=auth)).json()["items"]

    assert statuses == [200] * UPDATES_DURING_OUTAGE
    assert sorted(outputs) == sorted(f"n{n}" for n in range(1, UPDATES_DURING_OUTAGE + 1))
    assert len(again) == UPDATES_DURING_OUTAGE
