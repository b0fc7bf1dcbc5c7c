"""Bearer authentication on the app's routes: once a request, whatever asks for the caller."""

import httpx
import pytest
from dependency_injector import providers

from api.bootstrap import ApplicationContainer
from core.security import Principal
from core.testing import FakeAuthenticator

ITEMS = "/api/v1/items"


class CountingAuthenticator(FakeAuthenticator):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def authenticate(self, token: str) -> Principal:
        self.calls += 1
        return await super().authenticate(token)


@pytest.fixture
def authenticator(container: ApplicationContainer) -> CountingAuthenticator:
    counting = CountingAuthenticator()
    container.authenticator.override(providers.Object(counting))
    return counting


async def test_the_rate_limit_and_the_routes_scopes_share_one_authentication(
    client: httpx.AsyncClient, authenticator: CountingAuthenticator
) -> None:
    token = authenticator.issue("items:read")

    response = await client.get(ITEMS, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert "RateLimit-Remaining" in response.headers, "the rate limit counted the caller"
    assert authenticator.calls == 1


@pytest.mark.parametrize(("scopes", "status"), [(None, 401), (("items:write",), 403)])
async def test_a_refused_caller_is_authenticated_once(
    client: httpx.AsyncClient,
    authenticator: CountingAuthenticator,
    scopes: tuple[str, ...] | None,
    status: int,
) -> None:
    """None: a token the authenticator never issued; else one lacking the route's scope."""
    token = "not-a-token" if scopes is None else authenticator.issue(*scopes)

    response = await client.get(ITEMS, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == status
    assert authenticator.calls == 1


async def test_the_document_asks_a_token_of_protected_routes_only(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert paths[ITEMS]["get"]["security"] == [{"OAuth2PasswordBearer": ["items:read"]}]
    assert "security" not in paths["/api/v1/auth/token"]["post"], "logging in needs no token"
    assert "security" not in paths["/api/v1/accounts"]["post"], "nor does signing up"
