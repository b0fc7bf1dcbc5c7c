"""Liveness never touches the database; readiness reports whether it answers."""

from pathlib import Path

import httpx
from dependency_injector import providers
from fastapi import FastAPI
from pydantic import SecretStr

from api.bootstrap import build_container
from api.main import create_app
from api.settings import Settings
from core.settings import Environment
from core.testing import FakeAuthenticator


def signed_in_app(settings: Settings) -> tuple[FastAPI, str]:
    """An app on `settings` and a token that may read items."""
    container = build_container(settings)
    authenticator = FakeAuthenticator()
    container.authenticator.override(providers.Object(authenticator))
    return create_app(container), authenticator.issue("items:read")


async def test_health_is_200(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_is_200_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_ready_is_503_and_health_200_when_the_database_is_unreachable() -> None:
    settings = Settings(
        _env_file=None,
        environment=Environment.TEST,
        # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        database_url=SecretStr("postgresql+asyncpg://nobody@127.0.0.1:9/none"),
    )
    app, token = signed_in_app(settings)
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ready = await client.get("/ready")
        health = await client.get("/health")
        items = await client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})

    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert health.status_code == 200
    assert items.status_code == 503
    assert items.headers["retry-after"] == "5"
    assert items.json()["type"] == "urn:armature:problem:service_unavailable"


async def test_a_database_without_the_schema_is_a_500_not_a_retryable_503(
    tmp_path: Path,
) -> None:
    settings = Settings(
        _env_file=None,
        environment=Environment.TEST,
        database_url=SecretStr(f"sqlite+aiosqlite:///{tmp_path / 'unmigrated.sqlite3'}"),
    )
    app, token = signed_in_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        items = await client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})

    assert items.status_code == 500
    assert "retry-after" not in items.headers
    assert "no such table" not in items.text
