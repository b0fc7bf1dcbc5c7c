"""Test helpers: the accounts endpoints as an HTTP test client sees them."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from accounts.settings import AccountsSettings
from core.settings import Environment

PASSWORD = "correct horse battery"  # noqa: S105 (a test password)


def accounts_test_settings(signing_key_pem: str, **overrides: Any) -> AccountsSettings:
    """Accounts settings for tests: no `.env`, cheap password hashing, a given signing key."""
    return AccountsSettings(
        _env_file=None,
        environment=Environment.TEST,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        token_signing_key=SecretStr(signing_key_pem),
        **overrides,
    )


class AccountsApi:
    """The accounts endpoints as a test client sees them."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def sign_up(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post(
            "/api/v1/accounts", json={"email": email, "password": password}
        )

    async def token(
        self, email: str, password: str = PASSWORD, scope: str | None = None
    ) -> httpx.Response:
        form = {"grant_type": "password", "username": email, "password": password}
        if scope is not None:
            form["scope"] = scope
        return await self.client.post("/api/v1/auth/token", data=form)

    async def sign_in(self, email: str, scope: str | None = None) -> dict[str, Any]:
        """Sign up when new, then sign in: the token response body."""
        await self.sign_up(email)
        response = await self.token(email, scope=scope)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})

    @staticmethod
    def bearer(pair: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {pair['access_token']}"}
