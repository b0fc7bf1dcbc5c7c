"""Every line of a request is JSON carrying its id, and no credential ever reaches a line."""

import io
import json
import logging
import logging.config
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from dependency_injector import providers
from pydantic import BaseModel, Field, ValidationError
from starlette.types import Message, Receive, Scope, Send

from accounts.testing import PASSWORD, AccountsApi
from api.bootstrap import ApplicationContainer
from api.logs import REDACTED, add_process, configure_logging, gunicorn_logconfig_dict, redact
from api.main import create_app
from api.request_id import RequestContext
from api.settings import Settings

Lines = list[dict[str, Any]]


class CapturedLogs:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> Lines:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def logs() -> Iterator[CapturedLogs]:
    """The process's logging as production configures it, into a buffer; restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    captured = CapturedLogs()
    configure_logging("json", "INFO", captured.stream)
    try:
        yield captured
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name in ("uvicorn.access", "gunicorn.access"):
            logging.getLogger(name).disabled = False
        logging.getLogger("uvicorn.error").filters.clear()
        logging.captureWarnings(False)
        structlog.reset_defaults()


def of_request(lines: Lines, request_id: str) -> Lines:
    return [line for line in lines if line.get("request_id") == request_id]


async def test_every_line_of_a_request_carries_its_id_and_one_access_line_ends_it(
    client: httpx.AsyncClient, logs: CapturedLogs
) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    response = await client.get(f"/api/v1/items/{missing}", headers={"X-Request-ID": "req-abc-123"})

    lines = logs.lines()
    assert response.headers["x-request-id"] == "req-abc-123"
    assert response.json()["instance"] == "urn:armature:request:req-abc-123"
    access = [line for line in lines if line["logger"] == "armature.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "req-abc-123"
    assert access[0]["route"] == "/api/v1/items/{item_id}", "the template, never the raw path"
    assert access[0]["status"] == 401
    assert access[0]["method"] == "GET"
    assert access[0]["bytes"] > 0
    assert {line["process"] for line in lines} == {os.getpid()}, "which worker wrote each line"
    assert of_request(lines, "req-abc-123") == [line for line in lines if "request_id" in line], (
        "no line of this request lacks the id"
    )


@pytest.mark.parametrize(
    "incoming", ["short", "x" * 129, "has space here", "semi;colon-value", 'quote"inside-id']
)
async def test_an_insane_incoming_id_is_replaced(
    client: httpx.AsyncClient, logs: CapturedLogs, incoming: str
) -> None:
    response = await client.get("/health", headers={"X-Request-ID": incoming})

    given = response.headers["x-request-id"]
    assert given != incoming
    assert len(given) == 32
    assert of_request(logs.lines(), given)


async def test_an_id_with_a_line_break_is_replaced_not_echoed() -> None:
    """httpx refuses to send such a header, so the middleware is driven over raw ASGI."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def keep(message: Message) -> None:
        sent.append(message)

    injected = b"abcdefgh\r\nSet-Cookie: session=stolen"
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"x-request-id", injected)]}
    await RequestContext(app)(scope, _nothing_to_receive, keep)

    given = dict(sent[0]["headers"])[b"x-request-id"]
    assert given != injected
    assert len(given) == 32


async def _nothing_to_receive() -> Message:
    return {"type": "http.disconnect"}


async def test_unmatched_routes_are_one_label_not_the_raw_path(
    client: httpx.AsyncClient, logs: CapturedLogs
) -> None:
    await client.get("/wp-admin/secret-scan")

    server_lines = [line for line in logs.lines() if line["logger"] != "httpx"]  # the test's client
    access = [line for line in server_lines if line["logger"] == "armature.access"]
    assert access[0]["route"] == "<unmatched>"
    assert "wp-admin" not in json.dumps(server_lines)


async def test_passwords_tokens_and_authorization_never_reach_a_line(
    client: httpx.AsyncClient, logs: CapturedLogs
) -> None:
    accounts = AccountsApi(client)
    pair = await accounts.sign_in("logged@example.com")
    await accounts.token("logged@example.com", password="wrong " + PASSWORD)
    invalid = await client.post(
        "/api/v1/accounts", json={"email": "x@example.com", "password": "tiny-pw"}
    )
    assert invalid.status_code == 422
    await client.get("/api/v1/accounts/me", headers=accounts.bearer(pair))
    await accounts.refresh(pair["refresh_token"])
    structlog.get_logger("test").error(
        "boom", password=PASSWORD, headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    logging.getLogger("test").warning("retrying with token=%s", pair["refresh_token"])

    text = logs.text()
    for secret in (PASSWORD, "tiny-pw", pair["access_token"], pair["refresh_token"]):
        assert secret not in text
    assert REDACTED in text


async def test_an_unexpected_error_is_logged_once_with_the_request_id_and_redacted(
    container: ApplicationContainer, logs: CapturedLogs
) -> None:
    app = create_app(container)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("cannot reach postgres://admin:s3cr3t@db, token=abc123xyz")

    transport = httpx.ASGITransport(app=app)  # raises what the app lets escape
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "boom-request-1"})

    lines = of_request(logs.lines(), "boom-request-1")
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "boom-request-1"
    assert response.json()["instance"] == "urn:armature:request:boom-request-1"
    assert [line["logger"] for line in lines] == ["api.request_id", "armature.access"]
    assert "RuntimeError: cannot reach" in lines[0]["exception"]
    assert lines[1]["status"] == 500
    assert "s3cr3t" not in logs.text()
    assert "abc123xyz" not in logs.text()


async def test_the_access_line_names_the_client_a_trusted_proxy_forwarded_for(
    container: ApplicationContainer, settings: Settings, logs: CapturedLogs
) -> None:
    behind_proxy = settings.model_copy(update={"trusted_proxies": ("127.0.0.1",)})
    container.settings.override(providers.Object(behind_proxy))
    transport = httpx.ASGITransport(app=create_app(container), client=("127.0.0.1", 4000))

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get("/health", headers={"X-Forwarded-For": "203.0.113.9"})

    access = [line for line in logs.lines() if line["logger"] == "armature.access"]
    assert [line["client_ip"] for line in access] == ["203.0.113.9"]


@pytest.mark.parametrize(("level", "access_lines"), [("WARNING", 0), ("INFO", 1), ("DEBUG", 1)])
async def test_the_log_level_decides_whether_access_lines_are_written(
    container: ApplicationContainer, logs: CapturedLogs, level: str, access_lines: int
) -> None:
    configure_logging("json", level, logs.stream)
    transport = httpx.ASGITransport(app=create_app(container))

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get("/health")

    access = [line for line in logs.lines() if line["logger"] == "armature.access"]
    assert len(access) == access_lines


class SignUp(BaseModel):
    email: str
    password: str = Field(min_length=12)


def test_a_validation_error_never_echoes_a_password() -> None:
    with pytest.raises(ValidationError) as raised:
        SignUp(email="a@example.com", password="tiny-pw")

    event = redact(None, "error", {"event": "invalid", "exception": str(raised.value)})

    assert "tiny-pw" not in json.dumps(event)
    assert "String should have at least 12 characters" in event["exception"]


def test_redaction_masks_by_key_at_any_depth_and_scrubs_text() -> None:
    jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"

    event = redact(
        None,
        "info",
        {
            "event": f"calling with Bearer abc.def and {jwt}",
            "nested": {"Cookie": "session=1", "list": [{"api_key": "k"}], "name": "kept"},
            "url": "/callback?code=1&token=s3cr3t&x=2",
            "headers": [(b"authorization", b"Basic dTpw"), (b"accept", b"*/*")],
            "repr": "SignIn(email='a@example.com', password='hunter22') {\"client_secret\": \"x\"}",
            "dsn": "postgresql+asyncpg://armature:pa55@db:5432/armature",
        },
    )

    assert event["event"] == "calling with Bearer [redacted] and [redacted-jwt]"
    assert event["nested"] == {"Cookie": REDACTED, "list": [{"api_key": REDACTED}], "name": "kept"}
    assert event["url"] == "/callback?code=1&token=[redacted]&x=2"
    assert event["headers"] == [["authorization", REDACTED], ["accept", "*/*"]]
    assert "hunter22" not in event["repr"]
    assert '"x"' not in event["repr"]
    assert event["dsn"] == "postgresql+asyncpg://armature:[redacted]@db:5432/armature"


def test_bound_context_and_both_loggers_lines_are_redacted_before_the_metadata_is_added(
    logs: CapturedLogs,
) -> None:
    structlog.contextvars.bind_contextvars(session_token="s3cr3t", job="nightly")
    try:
        structlog.get_logger("armature.jobs").info("started", api_key="k3y")
        logging.getLogger("armature.std").warning("with Bearer abc.def")
    finally:
        structlog.contextvars.clear_contextvars()

    ours, std = logs.lines()
    assert (ours["session_token"], ours["api_key"], ours["job"]) == (REDACTED, REDACTED, "nightly")
    assert std["event"] == "with Bearer [redacted]"
    for line in (ours, std):
        assert {"logger", "level", "timestamp", "process"} <= line.keys()
    assert (ours["logger"], std["level"]) == ("armature.jobs", "warning")


def test_gunicorns_own_loggers_render_through_the_same_json_formatter(
    logs: CapturedLogs,
) -> None:
    logging.config.dictConfig(gunicorn_logconfig_dict("json"))
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(logs.stream)

    logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 4242)
    logging.getLogger("gunicorn.access").info("GET / 200")

    assert [line["event"] for line in logs.lines()] == ["Booting worker with pid: 4242"]


def test_a_forked_worker_writes_its_own_pid() -> None:
    # gunicorn forks its workers after importing the app; each line names the worker.
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        try:
            os.write(writing, str(add_process(None, "info", {})["process"]).encode())
        finally:
            os._exit(0)  # never back into the test session
    os.close(writing)
    _, status = os.waitpid(child, 0)
    with os.fdopen(reading) as pipe:
        reported = int(pipe.read())

    assert os.waitstatus_to_exitcode(status) == 0
    assert reported == child
    assert add_process(None, "info", {})["process"] == os.getpid()
