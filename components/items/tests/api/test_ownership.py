"""Items belong to an account: others see 404, scopes gate every route, admins see all."""

import httpx
import pytest

from core.testing import FakeAuthenticator

ITEMS = "/api/v1/items"


def bearer(authenticator: FakeAuthenticator, *scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {authenticator.issue(*scopes)}"}


@pytest.fixture
def stranger(authenticator: FakeAuthenticator) -> dict[str, str]:
    return bearer(authenticator, "items:read", "items:write")


async def test_another_accounts_item_is_404_on_read_update_and_delete(
    client: httpx.AsyncClient, stranger: dict[str, str]
) -> None:
    item = (await client.post(ITEMS, json={"name": "Mine"})).json()
    url = f"{ITEMS}/{item['id']}"

    read = await client.get(url, headers=stranger)
    update = await client.patch(url, json={"name": "Taken"}, headers=stranger)
    delete = await client.delete(url, headers=stranger)

    assert [read.status_code, update.status_code, delete.status_code] == [404, 404, 404]
    assert (await client.get(url)).json() == item, "the owner's item is untouched"


async def test_lists_never_show_another_accounts_items(
    client: httpx.AsyncClient, stranger: dict[str, str]
) -> None:
    await client.post(ITEMS, json={"name": "Mine"})
    await client.post(ITEMS, json={"name": "Theirs"}, headers=stranger)

    mine = (await client.get(ITEMS)).json()
    theirs = (await client.get(ITEMS, headers=stranger)).json()

    assert [item["name"] for item in mine["items"]] == ["Mine"]
    assert [item["name"] for item in theirs["items"]] == ["Theirs"]
    assert (mine["total"], theirs["total"]) == (1, 1)


async def test_admins_see_and_change_every_item(
    client: httpx.AsyncClient, authenticator: FakeAuthenticator
) -> None:
    item = (await client.post(ITEMS, json={"name": "Mine"})).json()
    admin = bearer(authenticator, "items:read", "items:write", "accounts:admin")

    listed = (await client.get(ITEMS, headers=admin)).json()
    changed = await client.patch(f"{ITEMS}/{item['id']}", json={"name": "Moderated"}, headers=admin)

    assert [entry["id"] for entry in listed["items"]] == [item["id"]]
    assert changed.status_code == 200
    assert changed.json()["name"] == "Moderated"


async def test_without_a_token_every_route_is_401_with_www_authenticate(
    client: httpx.AsyncClient,
) -> None:
    client.headers.pop("Authorization")

    responses = [
        await client.get(ITEMS),
        await client.post(ITEMS, json={"name": "A"}),
        await client.get(f"{ITEMS}/00000000-0000-0000-0000-000000000000"),
    ]

    assert {response.status_code for response in responses} == {401}
    assert all(response.headers["www-authenticate"] == "Bearer" for response in responses)
    assert all(
        response.headers["content-type"] == "application/problem+json" for response in responses
    )


async def test_an_unknown_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(ITEMS, headers={"Authorization": "Bearer forged"})

    assert response.status_code == 401


async def test_read_only_token_cannot_write_403(
    client: httpx.AsyncClient, authenticator: FakeAuthenticator
) -> None:
    reader = bearer(authenticator, "items:read")

    created = await client.post(ITEMS, json={"name": "A"}, headers=reader)
    listed = await client.get(ITEMS, headers=reader)

    assert created.status_code == 403
    assert "items:write" in created.json()["detail"]
    assert listed.status_code == 200
    assert listed.json()["total"] == 0


async def test_openapi_documents_the_scopes_per_route(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    flows = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert {"items:read", "items:write", "accounts:admin"} <= flows["password"]["scopes"].keys()
    post = spec["paths"]["/api/v1/items"]["post"]["security"]
    assert post == [{"OAuth2PasswordBearer": ["items:write"]}]
