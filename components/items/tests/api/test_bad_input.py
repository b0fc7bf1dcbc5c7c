"""Bad input of every kind gets a 4xx problem+json and writes nothing."""

from typing import Any

import httpx
import pytest

ITEMS = "/api/v1/items"
PROBLEM = "application/problem+json"

BAD_BODIES: list[tuple[str, Any]] = [
    ("missing name", {"price": "1.00"}),
    ("blank name", {"name": "   "}),
    ("name too long", {"name": "x" * 201}),
    ("description too long", {"name": "A", "description": "x" * 2001}),
    ("negative price", {"name": "A", "price": "-0.01"}),
    ("three decimals", {"name": "A", "price": "1.005"}),
    ("too many digits", {"name": "A", "price": "12345678901.00"}),
    ("not a number", {"name": "A", "price": "cheap"}),
    ("NaN price", {"name": "A", "price": "NaN"}),
    ("unknown field", {"name": "A", "colour": "red"}),
    ("wrong type", {"name": 42}),
    ("array body", [{"name": "A"}]),
]


@pytest.mark.parametrize(("case", "body"), BAD_BODIES, ids=[case for case, _ in BAD_BODIES])
async def test_create_rejects_invalid_body_with_422_and_writes_nothing(
    client: httpx.AsyncClient, case: str, body: Any
) -> None:
    response = await client.post(ITEMS, json=body)

    assert response.status_code == 422, case
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    assert problem["errors"], "validation problems list the offending fields"
    assert all({"location", "message", "type"} <= error.keys() for error in problem["errors"])
    assert (await client.get(ITEMS)).json()["total"] == 0


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b'{"name": "A",}', b"\xff\xfe"],
    ids=["open", "text", "comma", "bytes"],
)
async def test_create_rejects_malformed_json_with_400(
    client: httpx.AsyncClient, raw: bytes
) -> None:
    response = await client.post(ITEMS, content=raw, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "The request body is not valid JSON."
    assert (await client.get(ITEMS)).json()["total"] == 0


PATCHES: list[tuple[str, Any]] = [
    ("null name", {"name": None}),
    ("blank name", {"name": ""}),
    ("negative price", {"price": "-1"}),
    ("unknown field", {"version": 7}),
]


@pytest.mark.parametrize(("case", "body"), PATCHES, ids=[case for case, _ in PATCHES])
async def test_patch_rejects_invalid_body_and_keeps_the_item(
    client: httpx.AsyncClient, case: str, body: Any
) -> None:
    item = (await client.post(ITEMS, json={"name": "Kept", "price": "2.00"})).json()

    response = await client.patch(f"{ITEMS}/{item['id']}", json=body)

    assert response.status_code == 422, case
    assert response.headers["content-type"] == PROBLEM
    assert (await client.get(f"{ITEMS}/{item['id']}")).json() == item


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_malformed_item_id_is_422(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, f"{ITEMS}/not-a-uuid", json={})

    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["path", "item_id"]
