"""Items API tests authenticate with a fake authenticator: no accounts component needed."""

import httpx
import pytest

from core.testing import FakeAuthenticator

ITEM_SCOPES = ("items:read", "items:write")


@pytest.fixture
def auth(authenticator: FakeAuthenticator) -> dict[str, str]:
    """Headers of an account holding both item scopes."""
    return {"Authorization": f"Bearer {authenticator.issue(*ITEM_SCOPES)}"}


@pytest.fixture(autouse=True)
def _signed_in(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    client.headers.update(auth)
