"""The items HTTP contract, on SQLite and PostgreSQL."""

from typing import Any
from uuid import uuid4

import httpx
import pytest

ITEMS = "/api/v1/items"
PROBLEM = "application/problem+json"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(ITEMS, json={"name": "Widget", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def count(client: httpx.AsyncClient) -> int:
    total: int = (await client.get(ITEMS)).json()["total"]
    return total


async def test_create_returns_201_with_location_etag_and_saved_item(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        ITEMS, json={"name": "  Widget  ", "description": "Blue", "price": "9.90"}
    )

    assert response.status_code == 201
    item = response.json()
    assert response.headers["location"] == f"{ITEMS}/{item['id']}"
    assert response.headers["etag"] == '"1"'
    assert item["name"] == "Widget"
    assert item["price"] == "9.90"
    assert item["version"] == 1
    assert item["created_at"] == item["updated_at"]
    fetched = await client.get(response.headers["location"])
    assert fetched.json() == item


async def test_get_returns_etag_and_304_when_if_none_match_is_current(
    client: httpx.AsyncClient,
) -> None:
    item = await create(client)

    first = await client.get(f"{ITEMS}/{item['id']}")
    again = await client.get(
        f"{ITEMS}/{item['id']}", headers={"If-None-Match": first.headers["etag"]}
    )
    stale = await client.get(f"{ITEMS}/{item['id']}", headers={"If-None-Match": '"0"'})

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert stale.status_code == 200


async def test_get_unknown_item_is_404_problem(client: httpx.AsyncClient) -> None:
    missing = uuid4()

    response = await client.get(f"{ITEMS}/{missing}")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "urn:armature:problem:item_not_found"
    assert problem["status"] == 404
    assert str(missing) in problem["detail"]
    assert problem["instance"] == f"urn:armature:request:{response.headers['x-request-id']}"


async def test_list_filters_sorts_and_paginates(client: httpx.AsyncClient) -> None:
    for name, price in [
        ("Apple pie", "3.50"),
        ("apple", None),
        ("Banana", "1.00"),
        ("Cherry", "2"),
    ]:
        await create(client, name=name, price=price)

    matching = (await client.get(ITEMS, params={"q": "APPLE", "sort": "name"})).json()
    by_price = (await client.get(ITEMS, params={"sort": "-price"})).json()
    page = (await client.get(ITEMS, params={"sort": "price", "limit": 2, "offset": 1})).json()

    assert [item["name"] for item in matching["items"]] == ["Apple pie", "apple"]
    assert matching["total"] == 2
    assert [item["price"] for item in by_price["items"]] == ["3.50", "2.00", "1.00", None]
    assert [item["price"] for item in page["items"]] == ["2.00", "3.50"]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)


async def test_list_defaults_to_newest_first_twenty_per_page(client: httpx.AsyncClient) -> None:
    created = [await create(client, name=f"item {n}") for n in range(21)]

    page = (await client.get(ITEMS)).json()

    assert page["limit"] == 20
    assert page["total"] == 21
    assert page["items"][0]["id"] == created[-1]["id"]
    assert len(page["items"]) == 20


async def test_list_treats_like_wildcards_in_q_literally(client: httpx.AsyncClient) -> None:
    await create(client, name="100% cotton")
    await create(client, name="1000 cotton")

    page = (await client.get(ITEMS, params={"q": "0%"})).json()

    assert [item["name"] for item in page["items"]] == ["100% cotton"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"sort": "description"},
        {"sort": "--name"},
        {"q": ""},
        {"colour": "red"},
        {"limit": "ten"},
    ],
)
async def test_list_rejects_bad_parameters_with_422(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get(ITEMS, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["location"][0] == "query"


async def test_patch_changes_given_fields_and_returns_new_etag(client: httpx.AsyncClient) -> None:
    item = await create(client, description="Old", price="5.00")

    response = await client.patch(
        f"{ITEMS}/{item['id']}", json={"name": "Gadget", "description": None}
    )

    assert response.status_code == 200
    updated = response.json()
    assert response.headers["etag"] == '"2"'
    assert (updated["name"], updated["description"], updated["price"]) == ("Gadget", None, "5.00")
    assert updated["version"] == 2
    assert updated["updated_at"] > item["updated_at"]


async def test_patch_with_current_if_match_applies(client: httpx.AsyncClient) -> None:
    item = await create(client)

    response = await client.patch(
        f"{ITEMS}/{item['id']}", json={"price": "1.25"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 200
    assert response.json()["price"] == "1.25"


async def test_patch_with_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    item = await create(client)
    await client.patch(f"{ITEMS}/{item['id']}", json={"name": "Second"})

    response = await client.patch(
        f"{ITEMS}/{item['id']}", json={"name": "Lost update"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 412
    assert response.headers["content-type"] == PROBLEM
    current = (await client.get(f"{ITEMS}/{item['id']}")).json()
    assert (current["name"], current["version"]) == ("Second", 2)


async def test_patch_with_weak_if_match_never_matches(client: httpx.AsyncClient) -> None:
    item = await create(client)

    response = await client.patch(
        f"{ITEMS}/{item['id']}", json={"name": "X"}, headers={"If-Match": 'W/"1"'}
    )

    assert response.status_code == 412


async def test_patch_without_changes_keeps_the_version(client: httpx.AsyncClient) -> None:
    item = await create(client, name="Same")

    response = await client.patch(f"{ITEMS}/{item['id']}", json={"name": "Same"})

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response.headers["etag"] == '"1"'


async def test_delete_returns_204_then_404(client: httpx.AsyncClient) -> None:
    item = await create(client)

    deleted = await client.delete(f"{ITEMS}/{item['id']}")
    again = await client.delete(f"{ITEMS}/{item['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert again.status_code == 404
    assert (await client.get(f"{ITEMS}/{item['id']}")).status_code == 404


async def test_delete_with_stale_if_match_is_412_and_keeps_the_item(
    client: httpx.AsyncClient,
) -> None:
    item = await create(client)
    await client.patch(f"{ITEMS}/{item['id']}", json={"name": "Changed"})

    response = await client.delete(f"{ITEMS}/{item['id']}", headers={"If-Match": '"1"'})

    assert response.status_code == 412
    assert (await client.get(f"{ITEMS}/{item['id']}")).status_code == 200


async def test_list_and_304_carry_the_rate_limit_headers(client: httpx.AsyncClient) -> None:
    # Both answers are the routes' own responses, not ones FastAPI builds from a model.
    item = await create(client)
    first = await client.get(f"{ITEMS}/{item['id']}")

    page = await client.get(ITEMS)
    not_modified = await client.get(
        f"{ITEMS}/{item['id']}", headers={"If-None-Match": first.headers["etag"]}
    )

    assert page.headers["content-type"] == "application/json"
    assert not_modified.status_code == 304
    for response in (page, not_modified):
        assert len(response.headers.get_list("RateLimit-Limit")) == 1
        assert int(response.headers["RateLimit-Limit"]) > 0
        assert "RateLimit-Remaining" in response.headers
