"""The whole story as `make run` serves it: an item change runs its automation in the sandbox.

A real uvicorn server with the app's lifespan (outbox relay, in-process queue, consumers),
real sandboxed processes, and clients over real sockets.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY
from pydantic import SecretStr

from accounts.testing import AccountsApi
from api.settings import Settings
from api.testing_servers import eventually, migrated_database, serve_api
from automations.testing import item_with_automation
from core.settings import ArmatureSettings, Environment

Json = dict[str, Any]


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def base_url(database_url: str, component_settings: dict[str, ArmatureSettings]) -> Iterator[str]:
    settings = Settings(
        _env_file=None, environment=Environment.TEST, database_url=SecretStr(database_url)
    )
    with serve_api(settings, component_settings) as url:
        yield url


@pytest.fixture
async def http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def span_exporter() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider (it can be set only once), keeping spans in memory.

    Stopped after this module, so the rest of the session keeps none.
    """
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    yield exporter
    exporter.shutdown()


@pytest.fixture
def traced_base_url(
    database_url: str,
    component_settings: dict[str, ArmatureSettings],
    span_exporter: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """The server with tracing turned on by the standard variable, as an operator would."""
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    settings = Settings(
        _env_file=None, environment=Environment.TEST, database_url=SecretStr(database_url)
    )
    span_exporter.clear()
    with serve_api(settings, component_settings) as url:
        yield url


async def signed_in(http: httpx.AsyncClient, email: str) -> tuple[Json, dict[str, str]]:
    accounts = AccountsApi(http)
    pair = await accounts.sign_in(
        email, scope="items:read items:write automations:read automations:write"
    )
    return pair, accounts.bearer(pair)


async def finished_runs(
    http: httpx.AsyncClient, auth: dict[str, str], automation: Json, count: int
) -> list[Json] | None:
    page = (await http.get(f"/api/v1/automations/{automation['id']}/runs", headers=auth)).json()
    runs: list[Json] = page["items"]
    done = [run for run in runs if run["status"] not in {"queued", "running"}]
    return runs if len(runs) >= count and len(done) == len(runs) else None


async def test_an_update_runs_the_automation_once_and_a_manual_run_finishes(
    http: httpx.AsyncClient,
) -> None:
    _, auth = await signed_in(http, "runner@example.com")
    item, automation = await item_with_automation(
        http, auth, "print('NEW=' + event['item']['name'])"
    )
    succeeded, executed = runs_counted("succeeded"), consumed("automations.executor")

    patched = await http.patch(f"/api/v1/items/{item['id']}", json={"name": "Fresh"}, headers=auth)
    assert patched.status_code == 200
    runs = await eventually(lambda: finished_runs(http, auth, automation, 1))
    await asyncio.sleep(0.5)  # time enough for a duplicate to show up, were there one

    again = await finished_runs(http, auth, automation, 1)
    assert again is not None
    assert len(again) == 1, "one update, one run"
    assert (runs[0]["trigger"], runs[0]["status"]) == ("item.updated", "succeeded")
    assert runs[0]["stdout"] == "NEW=Fresh\n"
    assert runs[0]["exit_code"] == 0

    manual = await http.post(f"/api/v1/automations/{automation['id']}/runs", headers=auth)
    assert manual.status_code == 202
    assert manual.json()["status"] == "queued"
    run_url = manual.headers["Location"]

    async def finished() -> Json | None:
        run: Json = (await http.get(run_url, headers=auth)).json()
        return run if run["status"] not in {"queued", "running"} else None

    run = await eventually(finished)
    assert (run["trigger"], run["status"]) == ("manual", "succeeded")
    assert run["stdout"] == "NEW=Fresh\n", "a manual run sees the item as it is"

    async def counted() -> tuple[float, float] | None:
        # Counted once the handlers returned and the runs' finished events came round.
        now = (runs_counted("succeeded"), consumed("automations.executor"))
        counts = (now[0] - succeeded, now[1] - executed)
        return counts if counts == (2, 2) else None

    assert await eventually(counted) == (2, 2)


def runs_counted(status: str) -> float:
    """The server runs in this process: its metrics are this registry's."""
    return REGISTRY.get_sample_value("armature_automation_runs_total", {"status": status}) or 0.0


def consumed(consumer: str) -> float:
    labels = {"consumer": consumer, "type": "automation.run.requested", "outcome": "ok"}
    return REGISTRY.get_sample_value("armature_messages_consumed_total", labels) or 0.0


async def test_a_looping_automation_times_out_while_the_api_keeps_answering(
    http: httpx.AsyncClient,
) -> None:
    _, auth = await signed_in(http, "looper@example.com")
    _, automation = await item_with_automation(
        http, auth, "while True:\n    pass", timeout_seconds=2
    )

    await http.post(f"/api/v1/automations/{automation['id']}/runs", headers=auth)
    for _ in range(10):
        health = await http.get("/health", timeout=1)
        assert health.status_code == 200
        await asyncio.sleep(0.1)
    runs = await eventually(lambda: finished_runs(http, auth, automation, 1))

    assert runs[0]["status"] == "timed_out"
    assert 2000 <= runs[0]["duration_ms"] < 5000


async def test_websocket_clients_see_their_own_item_events_only(
    http: httpx.AsyncClient, base_url: str
) -> None:
    mine, auth = await signed_in(http, "watcher@example.com")
    _, other_auth = await signed_in(http, "neighbour@example.com")
    my_item = (await http.post("/api/v1/items", json={"name": "Mine"}, headers=auth)).json()
    other_item = (
        await http.post("/api/v1/items", json={"name": "Theirs"}, headers=other_auth)
    ).json()
    ws_url = base_url.replace("http://", "ws://") + "/api/v1/ws?token=" + mine["access_token"]

    async with websockets.connect(ws_url) as socket:
        await http.patch(
            f"/api/v1/items/{other_item['id']}", json={"name": "Nope"}, headers=other_auth
        )
        await http.patch(f"/api/v1/items/{my_item['id']}", json={"name": "Yes"}, headers=auth)
        received = await asyncio.wait_for(until_updated(socket), timeout=1.0)

    assert {event["data"]["item"]["id"] for event in received} == {my_item["id"]}
    updated = received[-1]
    assert updated["data"]["item"]["name"] == "Yes"
    assert updated["data"]["previous"]["name"] == "Mine"
    assert set(updated) == {"id", "type", "occurred_at", "data"}


async def until_updated(socket: websockets.ClientConnection) -> list[Json]:
    """Every event received up to and including the first `item.updated`."""
    received: list[Json] = []
    while not received or received[-1]["type"] != "item.updated":
        received.append(json.loads(await socket.recv()))
    return received


async def test_a_websocket_with_a_bad_token_is_closed_for_policy_violation(
    base_url: str,
) -> None:
    ws_url = base_url.replace("http://", "ws://") + "/api/v1/ws?token=forged"

    async with websockets.connect(ws_url) as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), timeout=2.0)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008


async def test_one_update_is_one_trace_from_the_request_to_the_sandboxed_run(
    traced_base_url: str, span_exporter: InMemorySpanExporter
) -> None:
    async with httpx.AsyncClient(base_url=traced_base_url, timeout=10) as http:
        _, auth = await signed_in(http, "traced@example.com")
        item, automation = await item_with_automation(http, auth, "print(event['type'])")
        span_exporter.clear()
        await http.patch(f"/api/v1/items/{item['id']}", json={"name": "Traced"}, headers=auth)
        await eventually(lambda: finished_runs(http, auth, automation, 1))
        spans = await eventually(lambda: finished_trace_of(span_exporter, "automation.run"))

    request = only(spans, "PATCH /api/v1/items/{item_id}", SpanKind.SERVER)
    traced = [span for span in spans if span.context.trace_id == request.context.trace_id]
    statements = [str((span.attributes or {}).get("db.statement", "")) for span in traced]
    assert any(statement.startswith("UPDATE item") for statement in statements)
    assert any(statement.startswith("INSERT INTO outbox_message") for statement in statements)
    assert any(statement.startswith("UPDATE automation_run") for statement in statements)
    chain = lineage(traced, only(traced, "automation.run", SpanKind.INTERNAL))
    assert [(span.name, span.kind) for span in chain] == [
        ("PATCH /api/v1/items/{item_id}", SpanKind.SERVER),
        ("item.updated publish", SpanKind.PRODUCER),
        ("automations.on-item-updated process", SpanKind.CONSUMER),
        ("automation.run.requested publish", SpanKind.PRODUCER),
        ("automations.executor process", SpanKind.CONSUMER),
        ("automation.run", SpanKind.INTERNAL),
    ]


async def finished_trace_of(exporter: InMemorySpanExporter, last: str) -> list[ReadableSpan] | None:
    spans = list(exporter.get_finished_spans())
    return spans if any(span.name == last for span in spans) else None


def only(spans: list[ReadableSpan], name: str, kind: SpanKind) -> ReadableSpan:
    found = [span for span in spans if span.name == name and span.kind == kind]
    assert len(found) == 1, [(span.name, span.kind) for span in spans]
    return found[0]


def lineage(spans: list[ReadableSpan], leaf: ReadableSpan) -> list[ReadableSpan]:
    """`leaf` and its ancestors, outermost first."""
    by_id = {span.context.span_id: span for span in spans}
    chain = [leaf]
    while chain[-1].parent is not None:
        chain.append(by_id[chain[-1].parent.span_id])
    return list(reversed(chain))
