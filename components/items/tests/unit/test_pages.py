"""API v2 keyset pages, in memory: stable order, signed cursors, inserts while paging."""

from decimal import Decimal
from itertools import cycle
from uuid import uuid4

import pytest

from core.security import Principal
from items.cursors import CursorCodec, Position
from items.dependencies import ItemsDeps
from items.errors import InvalidCursor
from items.interface import create_item, list_items_after
from items.keyset import order_key
from items.serializers import ItemCreate, ItemCursorQuery, ItemRead, ItemSort

NAMES = cycle(["bravo", "alpha", "charlie", "alpha"])
PRICES = cycle([Decimal("2.00"), None, Decimal("1.00"), Decimal("2.00"), None])


async def add(deps: ItemsDeps, owner: Principal) -> ItemRead:
    data = ItemCreate(name=next(NAMES), price=next(PRICES))
    return await create_item(deps, data=data, actor=owner)


async def walk(
    deps: ItemsDeps, owner: Principal, sort: ItemSort, *, insert: bool
) -> list[ItemRead]:
    seen: list[ItemRead] = []
    cursor = None
    while True:
        query = ItemCursorQuery(limit=3, cursor=cursor, sort=sort)
        page = await list_items_after(deps, query=query, actor=owner)
        seen += page.items
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor
        if insert:
            await add(deps, owner)


def in_order(items: list[ItemRead], sort: ItemSort) -> bool:
    keys = [order_key(getattr(item, sort.field), item.id) for item in items]
    return keys == sorted(keys, reverse=sort.descending)


@pytest.mark.parametrize("sort", list(ItemSort))
async def test_pages_see_every_item_once_in_order_while_items_are_inserted(
    deps: ItemsDeps, owner: Principal, sort: ItemSort
) -> None:
    before = [await add(deps, owner) for _ in range(17)]

    seen = await walk(deps, owner, sort, insert=True)

    ids = [item.id for item in seen]
    assert len(ids) == len(set(ids))
    assert {item.id for item in before} <= set(ids)
    assert in_order(seen, sort)


async def test_ties_are_broken_by_id_and_nulls_come_last_ascending(
    deps: ItemsDeps, owner: Principal
) -> None:
    for _ in range(10):
        await add(deps, owner)

    seen = await walk(deps, owner, ItemSort.PRICE, insert=False)

    prices = [item.price for item in seen]
    assert prices.index(None) == len([p for p in prices if p is not None])
    ties = [item.id for item in seen if item.price == Decimal("2.00")]
    assert ties == sorted(ties)


async def test_last_page_has_no_next_cursor(deps: ItemsDeps, owner: Principal) -> None:
    await add(deps, owner)

    page = await list_items_after(deps, query=ItemCursorQuery(limit=1), actor=owner)

    assert len(page.items) == 1
    assert page.next_cursor is None


async def test_another_owner_pages_only_its_own_items(deps: ItemsDeps, owner: Principal) -> None:
    await add(deps, owner)
    other = Principal(uuid4(), owner.scopes)

    page = await list_items_after(deps, query=ItemCursorQuery(), actor=other)

    assert page.items == []


async def test_a_tampered_cursor_is_refused(deps: ItemsDeps, owner: Principal) -> None:
    for _ in range(3):
        await add(deps, owner)
    first = await list_items_after(deps, query=ItemCursorQuery(limit=1), actor=owner)
    assert first.next_cursor is not None
    flipped = first.next_cursor[:-2] + ("A" if first.next_cursor[-2] != "A" else "B")
    tampered = flipped + first.next_cursor[-1]

    with pytest.raises(InvalidCursor):
        await list_items_after(deps, query=ItemCursorQuery(cursor=tampered), actor=owner)
    with pytest.raises(InvalidCursor):
        await list_items_after(deps, query=ItemCursorQuery(cursor="not a cursor"), actor=owner)


async def test_a_cursor_of_another_sort_or_key_is_refused(
    deps: ItemsDeps, owner: Principal
) -> None:
    for _ in range(3):
        await add(deps, owner)
    first = await list_items_after(deps, query=ItemCursorQuery(limit=1), actor=owner)
    assert first.next_cursor is not None
    elsewhere = CursorCodec(b"another secret").encode(
        Position(
            ItemSort.CREATED_AT_DESC.value, first.items[0].created_at.isoformat(), first.items[0].id
        )
    )

    by_name = ItemCursorQuery(cursor=first.next_cursor, sort=ItemSort.NAME)

    with pytest.raises(InvalidCursor):
        await list_items_after(deps, query=by_name, actor=owner)
    with pytest.raises(InvalidCursor):
        await list_items_after(deps, query=ItemCursorQuery(cursor=elsewhere), actor=owner)
