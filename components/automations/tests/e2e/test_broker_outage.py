"""With RabbitMQ cut off, item updates still succeed; once it is back every automation runs
exactly once per update: the outbox keeps the events, the consumers deduplicate them.

Real PostgreSQL, real RabbitMQ behind a TCP proxy that the test cuts, a real server.
"""

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import aio_pika
import httpx
import pytest
from pydantic import SecretStr

from accounts.testing import AccountsApi
from api.settings import Settings
from api.testing_servers import eventually, migrated_database, serve_api
from automations.component import component as automations
from automations.testing import item_with_automation
from core.adapters.rabbitmq.topology import RabbitTopology
from core.settings import ArmatureSettings, Environment
from core.testing import TcpProxy

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"
UPDATES = 5


@pytest.fixture
async def exchange() -> AsyncIterator[str]:
    """A topic exchange of this test's own, and everything declared on it removed after."""
    name = f"test-{uuid4().hex[:12]}"
    yield name
    connection = await aio_pika.connect(RABBITMQ)
    async with connection:
        channel = await connection.channel()
        topology = RabbitTopology(name)
        for consumer in automations.consumers:
            for queue in topology.queue_names(consumer.name):
                await channel.queue_delete(queue)
        await channel.exchange_delete(name)


class ThreadedProxy:
    """A TcpProxy on a loop of its own: the server under test starts while this test blocks."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._proxy = TcpProxy("127.0.0.1", 5672)

    @property
    def port(self) -> int:
        return self._proxy.port

    def __enter__(self) -> "ThreadedProxy":
        self._thread.start()
        self._call(self._proxy.start())
        return self

    def __exit__(self, *_: object) -> None:
        self._call(self._proxy.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def cut(self) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._proxy.cut(), self._loop))

    async def restore(self) -> None:
        await asyncio.wrap_future(
            asyncio.run_coroutine_threadsafe(self._proxy.restore(), self._loop)
        )

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)


@pytest.fixture
def proxy() -> Iterator[ThreadedProxy]:
    with ThreadedProxy() as proxy:
        yield proxy


async def test_updates_during_an_outage_run_their_automation_exactly_once_after_it(
    tmp_path: Path,
    proxy: ThreadedProxy,
    exchange: str,
    component_settings: dict[str, ArmatureSettings],
) -> None:
    async with migrated_database("postgres", tmp_path) as database_url:
        settings = Settings(
            _env_file=None,
            environment=Environment.TEST,
            database_url=SecretStr(database_url),
            rabbitmq_url=SecretStr(f"amqp://guest:guest@127.0.0.1:{proxy.port}/"),
            rabbitmq_exchange=exchange,
            events_in_process=True,
        )
        with serve_api(settings, component_settings) as base_url:
            async with httpx.AsyncClient(base_url=base_url, timeout=15) as http:
                runs = await updates_through_an_outage(http, proxy)

    assert sorted(run["stdout"] for run in runs) == sorted(f"v{n}\n" for n in range(UPDATES))
    assert {run["status"] for run in runs} == {"succeeded"}


async def updates_through_an_outage(
    http: httpx.AsyncClient, proxy: ThreadedProxy
) -> list[dict[str, Any]]:
    accounts = AccountsApi(http)
    scopes = "items:read items:write automations:read automations:write"
    auth = accounts.bearer(await accounts.sign_in("outage@example.com", scope=scopes))
    item, automation = await item_with_automation(
        http, auth, "print(event['item']['name'])", item_name="start"
    )

    await proxy.cut()
    for n in range(UPDATES):
        patched = await http.patch(
            f"/api/v1/items/{item['id']}", json={"name": f"v{n}"}, headers=auth
        )
        assert patched.status_code == 200, "the broker is not on the request path"
    await asyncio.sleep(1.0)  # the relay tries, fails and backs off meanwhile
    await proxy.restore()

    async def all_runs() -> list[dict[str, Any]] | None:
        url = f"/api/v1/automations/{automation['id']}/runs?limit=100"
        page = (await http.get(url, headers=auth)).json()
        finished = [run for run in page["items"] if run["status"] not in {"queued", "running"}]
        return page["items"] if len(finished) >= UPDATES else None

    await eventually(all_runs, within=60)
    await asyncio.sleep(1.0)  # a duplicate would show up by now
    final = await all_runs()
    assert final is not None
    assert len(final) == UPDATES, "0 lost, 0 duplicated"
    return final
