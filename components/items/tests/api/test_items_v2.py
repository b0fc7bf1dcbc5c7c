"""API v2 keyset pagination over HTTP, on SQLite and PostgreSQL."""

from datetime import datetime
from decimal import Decimal
from itertools import cycle
from typing import Any

import httpx
import pytest

V1, V2 = "/api/v1/items", "/api/v2/items"
SORTS = ["name", "-name", "created_at", "-created_at", "price", "-price"]
NAMES = cycle(["bravo", "alpha", "charlie", "alpha", "delta"])
PRICES = cycle(["2.00", None, "1.00", "2.00", None, "3.50"])


async def add(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(V1, json={"name": next(NAMES), "price": next(PRICES)})
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


def key(item: dict[str, Any], field: str) -> tuple[Any, ...]:
    """The documented order ascending: valued rows by (value, id), then the rest by id."""
    value = item[field]
    if value is None:
        return (1, 0, item["id"])
    typed: object = value
    if field == "price":
        typed = Decimal(value)
    elif field == "created_at":
        typed = datetime.fromisoformat(value)
    return (0, typed, item["id"])


async def walk(client: httpx.AsyncClient, sort: str, limit: int = 4) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    params: dict[str, str | int] = {"limit": limit, "sort": sort}
    while True:
        response = await client.get(V2, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        if page["next_cursor"] is None:
            return seen
        params["cursor"] = page["next_cursor"]
        await add(client)  # lands before or after the cursor: neither may shift the pages


@pytest.mark.parametrize("sort", SORTS)
async def test_pages_see_every_item_once_in_order_while_items_are_inserted(
    client: httpx.AsyncClient, sort: str
) -> None:
    before = [await add(client) for _ in range(13)]

    seen = await walk(client, sort)

    ids = [item["id"] for item in seen]
    assert len(ids) == len(set(ids))
    assert {item["id"] for item in before} <= set(ids)
    keys = [key(item, sort.removeprefix("-")) for item in seen]
    assert keys == sorted(keys, reverse=sort.startswith("-"))


async def test_pages_have_the_v1_item_shape_and_end_without_a_cursor(
    client: httpx.AsyncClient,
) -> None:
    item = await add(client)

    page = (await client.get(V2)).json()

    assert page == {"items": [item], "next_cursor": None}


async def test_a_tampered_cursor_is_400_problem(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await add(client)
    cursor = (await client.get(V2, params={"limit": 1})).json()["next_cursor"]
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]

    answers = [
        await client.get(V2, params={"cursor": tampered}),
        await client.get(V2, params={"cursor": "garbage"}),
        await client.get(V2, params={"cursor": cursor, "sort": "name"}),
    ]

    for response in answers:
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:armature:problem:invalid_cursor"


async def test_limit_and_sort_are_validated(client: httpx.AsyncClient) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"sort": "owner_id"}):
        assert (await client.get(V2, params=params)).status_code == 422
