"""Security headers, CORS, trusted hosts and the body limit, attacked through the real app."""

from collections.abc import AsyncIterator

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from pydantic import SecretStr

from api.bootstrap import ApplicationContainer
from api.hardening import HardeningConfig, install_hardening
from api.settings import Settings
from core.settings import Environment
from core.testing import FakeAuthenticator

LIMIT = 4096
ITEMS = "/api/v1/items"
PROBLEM = "application/problem+json"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        environment=Environment.TEST,
        database_url=SecretStr(database_url),
        cors_origins="https://app.example.com",  # type: ignore[arg-type]
        trusted_hosts="testserver,*.example.com",  # type: ignore[arg-type]
        max_body_bytes=LIMIT,
    )


@pytest.fixture
def auth(container: ApplicationContainer) -> dict[str, str]:
    authenticator = FakeAuthenticator()
    container.authenticator.override(providers.Object(authenticator))
    return {"Authorization": f"Bearer {authenticator.issue('items:read', 'items:write')}"}


async def count(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    total: int = (await client.get(ITEMS, headers=auth)).json()["total"]
    return total


@pytest.mark.parametrize(("path", "status"), [("/health", 200), ("/nope", 404), (ITEMS, 401)])
async def test_every_response_carries_the_security_headers(
    client: httpx.AsyncClient, path: str, status: int
) -> None:
    response = await client.get(path)

    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert "strict-transport-security" not in response.headers


async def test_docs_get_a_policy_without_unsafe_inline_scripts(client: httpx.AsyncClient) -> None:
    policy = (await client.get("/docs")).headers["content-security-policy"]

    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src
    assert "unsafe-eval" not in script_src


async def test_hsts_is_sent_when_enabled() -> None:
    app = FastAPI()
    install_hardening(app, HardeningConfig(hsts=True))
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await client.get("/missing")

    assert response.headers["strict-transport-security"].startswith("max-age=63072000")


async def test_cors_allows_only_listed_origins(client: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}

    allowed = await client.options(
        ITEMS, headers={"Origin": "https://app.example.com", **preflight}
    )
    refused = await client.options(ITEMS, headers={"Origin": "https://evil.example", **preflight})

    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("host", ["evil.example", "example.com.evil.net", ""])
async def test_unknown_host_is_400_problem(client: httpx.AsyncClient, host: str) -> None:
    response = await client.get("/health", headers={"Host": host})

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


async def test_wildcard_host_is_served(client: httpx.AsyncClient) -> None:
    assert (
        await client.get("/health", headers={"Host": "api.example.com:8443"})
    ).status_code == 200


async def test_declared_oversized_body_is_413_and_writes_nothing(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = b'{"name": "' + b"x" * LIMIT + b'"}'

    response = await client.post(
        ITEMS, content=body, headers={**auth, "Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 413
    request_id = response.headers["x-request-id"]
    assert response.json()["instance"] == f"urn:armature:request:{request_id}"
    assert await count(client, auth) == 0


async def test_streamed_oversized_body_is_cut_off_with_413_and_writes_nothing(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "A", "description": "'
        for _ in range(LIMIT // 512 + 2):
            yield b"x" * 512
        yield b'"}'

    response = await client.post(
        ITEMS, content=chunks(), headers={**auth, "Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["instance"].startswith("urn:armature:request:")
    assert await count(client, auth) == 0


async def test_body_under_the_limit_is_accepted(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post(ITEMS, json={"name": "A", "description": "x" * 1500}, headers=auth)

    assert response.status_code == 201
