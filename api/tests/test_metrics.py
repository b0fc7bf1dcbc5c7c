"""Metrics move by exactly what happened, labelled by route template and by bounded reasons."""

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from dependency_injector import providers
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from accounts.dependencies import AccountsDeps
from accounts.interface import update_account
from accounts.serializers import AccountAdminUpdate
from accounts.testing import AccountsApi
from api import bootstrap
from api.bootstrap import ApplicationContainer, build_container
from api.events import _bound
from api.main import create_app
from api.metrics import count_dead_letter, observe_automation_run, serve_own_metrics
from api.settings import Settings
from core.adapters.memory_queue import InMemoryMessageQueue
from core.clock import utc_now
from core.components import Consumer
from core.interfaces import Message
from core.security import ADMIN_SCOPE, Principal
from core.settings import ArmatureSettings
from core.testing.ports import free_port

OpenClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def requests_of(route: str, status: str, method: str = "GET") -> float:
    return sample("armature_http_requests_total", method=method, route=route, status=status)


class Watch:
    """How far a metric moved since the watch began, for each value of one of its labels."""

    def __init__(self, name: str, label: str, values: Iterable[str], **other: str) -> None:
        self._name, self._label, self._other = name, label, other
        self._before = {value: self._now(value) for value in values}

    def _now(self, value: str) -> float:
        return sample(self._name, **self._other, **{self._label: value})

    def moved(self) -> dict[str, float]:
        return {value: self._now(value) - before for value, before in self._before.items()}


@asynccontextmanager
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def open_client(
    settings: Settings,
    component_settings: dict[str, ArmatureSettings],
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
) -> OpenClient:
    """A client over an app whose settings differ from the test's by `overrides`."""

    def open_with(**overrides: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        changed = settings.model_copy(update=overrides)
        container = build_container(changed, component_settings=component_settings)
        container.engine.override(providers.Object(engine))
        container.session_factory.override(providers.Object(session_factory))
        return http(create_app(container))

    return open_with


async def test_requests_are_counted_and_timed_by_route_template(client: httpx.AsyncClient) -> None:
    route = "/api/v1/items/{item_id}"
    before = requests_of(route, "401")
    timed = sample("armature_http_request_duration_seconds_count", method="GET", route=route)

    for _ in range(3):
        await client.get(f"/api/v1/items/{uuid4()}")

    assert requests_of(route, "401") - before == 3
    now_timed = sample("armature_http_request_duration_seconds_count", method="GET", route=route)
    assert now_timed - timed == 3
    assert 'route="/api/v1/items/{item_id}"' in (await client.get("/metrics")).text


async def test_unmatched_paths_share_one_label_and_scrapes_are_not_counted(
    client: httpx.AsyncClient,
) -> None:
    unmatched = requests_of("<unmatched>", "404")

    await client.get(f"/scan/{uuid4()}")
    await client.get(f"/scan/{uuid4()}")
    exported = (await client.get("/metrics")).text

    assert requests_of("<unmatched>", "404") - unmatched == 2
    assert requests_of("/metrics", "200") == 0
    assert "/scan/" not in exported
    assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]


async def test_a_request_is_in_flight_while_answered_and_not_after(
    container: ApplicationContainer,
) -> None:
    app = create_app(container)

    @app.get("/probe")
    async def probe() -> float:
        return sample("armature_http_requests_in_flight")

    async with http(app) as client:
        during = (await client.get("/probe")).json()

    assert during == 1
    assert sample("armature_http_requests_in_flight") == 0


async def test_pool_gauges_rise_while_a_request_holds_connections_and_fall_after(
    settings: Settings, component_settings: dict[str, ArmatureSettings]
) -> None:
    # The container's own engine (the fixtures' is not watched), pool of one on PostgreSQL.
    changed = settings.model_copy(update={"database_pool_size": 1})
    container = build_container(changed, component_settings=component_settings)
    app = create_app(container)
    engine = container.engine()
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    held = pool.size() + 1
    base = sample("armature_db_pool_checked_out"), sample("armature_db_pool_overflow")

    @app.get("/probe")
    async def probe() -> list[float]:
        # Connecting checks a connection out; no statement, so SQLite's lock stays free.
        async with AsyncExitStack() as stack:
            for _ in range(held):
                await stack.enter_async_context(engine.connect())
            return [sample("armature_db_pool_checked_out"), sample("armature_db_pool_overflow")]

    try:
        async with http(app) as client:
            during = (await client.get("/probe")).json()
        after = sample("armature_db_pool_checked_out"), sample("armature_db_pool_overflow")
    finally:
        await bootstrap.close(container)

    assert (during[0] - base[0], during[1] - base[1]) == (held, 1)
    assert after == base


async def test_a_metrics_port_moves_the_scrape_off_the_app(open_client: OpenClient) -> None:
    port = free_port()
    async with open_client(metrics_port=port) as client:
        on_app = await client.get("/metrics")
    server = serve_own_metrics(port)
    assert server is not None
    try:
        async with httpx.AsyncClient() as scraper:
            on_port = await scraper.get(f"http://127.0.0.1:{port}/metrics")
    finally:
        server.close()

    assert on_app.status_code == 404
    assert on_port.status_code == 200
    assert "armature_http_requests_total" in on_port.text
    assert serve_own_metrics(None) is None


async def test_the_scrape_can_be_turned_off(open_client: OpenClient) -> None:
    async with open_client(metrics_enabled=False) as client:
        response = await client.get("/metrics")

    assert response.status_code == 404


async def test_rate_limit_rejections_are_counted_by_the_limit_spent(
    open_client: OpenClient,
) -> None:
    rejections = Watch("armature_rate_limit_rejections_total", "scope", SCOPES)

    async with open_client(rate_limit_default="2/minute") as client:
        answers = [(await client.get("/api/v1/items")).status_code for _ in range(3)]
    async with open_client(
        rate_limit_login_per_ip="2/minute", rate_limit_login_per_username="1/minute"
    ) as client:
        accounts = AccountsApi(client)
        logins = [
            (await accounts.token(email, password="wrong-password")).status_code
            for email in ("a@example.com", "a@example.com", "b@example.com")
        ]

    assert (answers, logins) == ([401, 401, 429], [401, 429, 429])
    assert rejections.moved() == dict.fromkeys(SCOPES, 1)


SCOPES = ("route", "login_ip", "login_username")


async def test_refused_tokens_are_counted_by_reason_and_a_missing_token_is_not(
    client: httpx.AsyncClient, container: ApplicationContainer
) -> None:
    reasons = ("invalid_token", "expired", "insufficient_scope", "account_disabled")
    refused = Watch("armature_authentication_failures_total", "reason", (*reasons, "missing_token"))
    accounts = AccountsApi(client)
    deps: AccountsDeps = container.accounts.deps()  # type: ignore[attr-defined]
    reader = await accounts.sign_in("reader@example.com", scope="items:read")
    me = UUID(
        (await client.get("/api/v1/accounts/me", headers=accounts.bearer(reader))).json()["id"]
    )
    expired = deps.tokens.access_token(me, frozenset({"items:read"}), utc_now() - timedelta(days=1))

    answers = [
        (await client.get("/api/v1/items")).status_code,
        (await client.get("/api/v1/items", headers=bearer("forged"))).status_code,
        (await client.get("/api/v1/items", headers=bearer(expired))).status_code,
        (
            await client.post("/api/v1/items", json={"name": "x"}, headers=accounts.bearer(reader))
        ).status_code,
    ]
    admin = Principal(account_id=uuid4(), scopes=frozenset({ADMIN_SCOPE}))
    await update_account(
        deps, account_id=me, changes=AccountAdminUpdate(disabled=True), actor=admin
    )
    answers.append((await client.get("/api/v1/items", headers=accounts.bearer(reader))).status_code)

    assert answers == [401, 401, 401, 403, 401]
    assert refused.moved() == {**dict.fromkeys(reasons, 1), "missing_token": 0}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_consumer_that_keeps_failing_is_counted_then_dead_lettered() -> None:
    async def fail(_deps: object, _message: Message) -> None:
        raise RuntimeError("always")

    async def succeed(_deps: object, _message: Message) -> None:
        return None

    failing, working = (
        Consumer("probe.fails", "probe.x", fail),
        Consumer("probe.ok", "probe.x", succeed),
    )
    consumed = [
        Watch(
            "armature_messages_consumed_total",
            "outcome",
            ("ok", "failed"),
            consumer=c.name,
            type="probe.x",
        )
        for c in (failing, working)
    ]
    dead = Watch("armature_messages_dead_lettered_total", "consumer", ("probe.fails", "probe.ok"))
    queue = InMemoryMessageQueue(
        max_retries=1, retry_backoff_seconds=0.001, on_dead_letter=count_dead_letter
    )
    for consumer in (failing, working):
        await queue.subscribe(consumer.pattern, consumer.name, _bound(consumer, None))
    await queue.start()
    await queue.publish(Message(type="probe.x", data={}))
    await queue.drain()
    await queue.close()

    # The failing consumer: its delivery and its one retry, then the dead letter.
    assert [watch.moved() for watch in consumed] == [{"ok": 0, "failed": 2}, {"ok": 1, "failed": 0}]
    assert dead.moved() == {"probe.fails": 1, "probe.ok": 0}
    assert len(queue.dead_letters("probe.fails")) == 1


async def test_a_finished_run_event_counts_the_run_and_its_duration() -> None:
    runs = sample("armature_automation_runs_total", status="timed_out")
    timed = sample("armature_automation_run_duration_seconds_count")
    seconds = sample("armature_automation_run_duration_seconds_sum")
    finished = {"run": {"status": "timed_out", "duration_ms": 1500, "id": str(uuid4())}}

    await observe_automation_run(Message(type="automation.run.finished", data=finished))
    await observe_automation_run(Message(type="automation.run.finished", data={"run": {}}))

    assert sample("armature_automation_runs_total", status="timed_out") - runs == 1
    assert sample("armature_automation_run_duration_seconds_count") - timed == 1
    assert sample("armature_automation_run_duration_seconds_sum") - seconds == pytest.approx(1.5)


async def test_the_metrics_port_listens_on_metrics_host_only() -> None:
    port = free_port()
    server = serve_own_metrics(port, "127.0.0.2")
    assert server is not None
    try:
        async with httpx.AsyncClient() as scraper:
            on_host = await scraper.get(f"http://127.0.0.2:{port}/metrics")
            with pytest.raises(httpx.ConnectError):
                await scraper.get(f"http://127.0.0.1:{port}/metrics")
    finally:
        server.close()

    assert on_host.status_code == 200
