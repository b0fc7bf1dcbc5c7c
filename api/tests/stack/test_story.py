"""A user's whole story through nginx: accounts, items with ETags, an automation, live events,
a rate limit shared by both workers, and a client that lies about its address."""

import asyncio
import json
import uuid
from typing import Any

import httpx
import websockets

from accounts.testing import PASSWORD, AccountsApi
from api.testing_servers import eventually
from api.testing_stack import E2E_SCOPES, LOGIN_LIMIT_PER_USERNAME, Stack
from automations.testing import item_with_automation

Json = dict[str, Any]


async def signed_in(http: httpx.AsyncClient, email: str) -> tuple[Json, dict[str, str]]:
    accounts = AccountsApi(http)
    pair = await accounts.sign_in(email, scope=E2E_SCOPES)
    return pair, accounts.bearer(pair)


async def test_items_keep_their_contract_through_nginx(http: httpx.AsyncClient) -> None:
    _, auth = await signed_in(http, "crud@example.com")

    # Long enough for nginx to gzip it, had it not kept away from responses with an ETag.
    lamp = {"name": "Lamp", "price": "9.50", "description": "A lamp. " * 200}
    created = await http.post("/api/v1/items", json=lamp, headers=auth)
    location = created.headers["location"]
    read = await http.get(location, headers={**auth, "Accept-Encoding": "gzip"})
    etag = read.headers["etag"]
    cached = await http.get(location, headers={**auth, "If-None-Match": etag})
    updated = await http.patch(
        location, json={"price": "12.00"}, headers={**auth, "If-Match": etag}
    )
    stale = await http.patch(location, json={"name": "Lost"}, headers={**auth, "If-Match": etag})
    removed = await http.delete(location, headers=auth)
    gone = await http.get(location, headers=auth)

    assert created.status_code == 201
    assert not etag.startswith("W/"), "a strong tag, fit for If-Match"
    assert cached.status_code == 304
    assert (updated.status_code, updated.json()["price"]) == (200, "12.00")
    assert updated.headers["etag"] != etag
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert (removed.status_code, gone.status_code) == (204, 404)


async def test_an_update_runs_its_automation_and_reaches_a_websocket_through_nginx(
    http: httpx.AsyncClient, stack: Stack
) -> None:
    pair, auth = await signed_in(http, "story@example.com")
    item, automation = await item_with_automation(
        http, auth, "print('NEW=' + event['item']['name'])"
    )
    runs_url = f"/api/v1/automations/{automation['id']}/runs"

    async with websockets.connect(f"{stack.ws_url}/api/v1/ws?token={pair['access_token']}") as ws:
        await http.patch(f"/api/v1/items/{item['id']}", json={"name": "Fresh"}, headers=auth)
        event = await asyncio.wait_for(first_of(ws, "item.updated"), timeout=5)

    async def finished() -> list[Json] | None:
        runs: list[Json] = (await http.get(runs_url, headers=auth)).json()["items"]
        return runs if runs and runs[0]["status"] not in {"queued", "running"} else None

    runs = await eventually(finished, within=30)
    assert event["data"]["item"]["name"] == "Fresh"
    assert [(run["status"], run["stdout"]) for run in runs] == [("succeeded", "NEW=Fresh\n")]


async def first_of(ws: websockets.ClientConnection, event_type: str) -> Json:
    while True:
        event: Json = json.loads(await ws.recv())
        if event["type"] == event_type:
            return event


async def test_a_login_limit_holds_across_both_workers(stack: Stack) -> None:
    email = "limited@example.com"
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as http:
        await AccountsApi(http).sign_up(email)
    form = {"grant_type": "password", "username": email, "password": "not " + PASSWORD}

    async def attempt() -> int:
        async with httpx.AsyncClient(base_url=stack.url, timeout=15) as fresh:
            return (await fresh.post("/api/v1/auth/token", data=form)).status_code

    # All at once: nginx opens upstream connections of its own for them, which both workers
    # accept, so the limit is counted by two processes against one Redis.
    statuses = await asyncio.gather(*(attempt() for _ in range(LOGIN_LIMIT_PER_USERNAME + 10)))

    assert statuses.count(401) == LOGIN_LIMIT_PER_USERNAME
    assert statuses.count(429) == 10
    served_by = {
        line["process"]
        for line in map(json.loads, stack.log("gunicorn").splitlines())
        if line.get("route") == "/api/v1/auth/token"
    }
    assert len(served_by) == 2, "both workers answered some of the attempts"


async def test_a_spoofed_forwarded_for_does_not_change_the_client_ip(stack: Stack) -> None:
    request_id = f"e2e-spoof-{uuid.uuid4().hex}"
    # The client sits on 127.0.0.2: not nginx's address, so not a trusted proxy.
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")

    async with httpx.AsyncClient(base_url=stack.url, transport=transport) as client:
        answered = await client.get(
            "/health", headers={"X-Forwarded-For": "203.0.113.9", "X-Request-ID": request_id}
        )

    assert answered.headers["x-request-id"] == request_id

    # The worker writes its access line after the response has gone: wait for it.
    async def logged() -> list[dict[str, Any]] | None:
        lines = stack.log("gunicorn").splitlines()
        return [json.loads(line) for line in lines if request_id in line] or None

    lines = await eventually(logged, within=5)
    assert [(line["route"], line["client_ip"]) for line in lines] == [("/health", "127.0.0.2")]
    assert request_id in stack.log("nginx")


async def test_nginx_refuses_an_oversized_body_naming_the_limit_of_its_route(
    stack: Stack,
) -> None:
    upload_path = f"/api/v1/items/{uuid.uuid4()}/attachments"

    json_body = await declared_body_answer(stack.url, "/api/v1/items", 2 * 2**20)
    upload = await declared_body_answer(stack.url, upload_path, 12 * 2**20)

    assert (json_body.status_code, upload.status_code) == (413, 413)
    assert json_body.headers["content-type"] == "application/problem+json"
    assert json_body.json()["detail"] == "The request body exceeds the limit of 1048576 bytes."
    assert upload.json()["detail"] == "The request body exceeds the limit of 11534336 bytes."


async def declared_body_answer(base_url: str, path: str, length: int) -> httpx.Response:
    """The answer to a POST that declares `length` bytes of body and sends none of them:
    what nginx says from the headers alone, before a byte of the body arrives."""
    url = httpx.URL(base_url)
    assert url.port is not None
    reader, writer = await asyncio.open_connection(url.host, url.port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    header_block, _, body = rest.partition(b"\r\n\r\n")
    headers = [line.split(b":", 1) for line in header_block.split(b"\r\n")]
    return httpx.Response(
        int(status_line.split()[1]),
        headers=[(name.strip(), value.strip()) for name, value in headers],
        content=body,
    )
