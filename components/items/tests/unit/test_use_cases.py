"""The items use cases, end to end in memory."""

import json
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from core.security import Principal
from items.dependencies import ItemsDeps
from items.errors import ItemNotFound, ItemVersionMismatch
from items.interface import (
    create_item,
    delete_item,
    get_item,
    list_items,
    list_items_json,
    update_item,
)
from items.models import Item
from items.serializers import ItemCreate, ItemListQuery, ItemPage, ItemSort, ItemUpdate


async def test_create_saves_version_1_owned_by_the_actor(
    deps: ItemsDeps, owner: Principal, store: dict[UUID, Item]
) -> None:
    item = await create_item(
        deps, data=ItemCreate(name="Widget", price=Decimal("2.50")), actor=owner
    )

    assert item.version == 1
    assert item.created_at == item.updated_at
    assert store[item.id].owner_id == owner.account_id
    assert store[item.id].price == Decimal("2.50")


async def test_get_unknown_item_raises_not_found(deps: ItemsDeps, owner: Principal) -> None:
    with pytest.raises(ItemNotFound):
        await get_item(deps, item_id=uuid4(), actor=owner)


async def test_another_owner_cannot_see_the_item(deps: ItemsDeps, owner: Principal) -> None:
    item = await create_item(deps, data=ItemCreate(name="Mine"), actor=owner)
    stranger = Principal(uuid4(), owner.scopes)

    with pytest.raises(ItemNotFound):
        await get_item(deps, item_id=item.id, actor=stranger)


async def test_admin_sees_every_item(deps: ItemsDeps, owner: Principal) -> None:
    item = await create_item(deps, data=ItemCreate(name="Mine"), actor=owner)
    admin = Principal(uuid4(), frozenset({"accounts:admin"}))

    assert (await get_item(deps, item_id=item.id, actor=admin)).name == "Mine"


async def test_update_changes_fields_and_bumps_version_once(
    deps: ItemsDeps, owner: Principal
) -> None:
    item = await create_item(
        deps, data=ItemCreate(name="A", description="old", price=Decimal(1)), actor=owner
    )

    updated = await update_item(
        deps,
        item_id=item.id,
        changes=ItemUpdate.model_validate({"name": "B", "description": None}),
        actor=owner,
    )

    assert (updated.name, updated.description, updated.price) == ("B", None, Decimal(1))
    assert updated.version == 2
    assert updated.updated_at > item.updated_at


async def test_update_without_a_real_change_keeps_version_and_timestamp(
    deps: ItemsDeps, owner: Principal
) -> None:
    item = await create_item(deps, data=ItemCreate(name="Same"), actor=owner)

    updated = await update_item(deps, item_id=item.id, changes=ItemUpdate(name="Same"), actor=owner)

    assert (updated.version, updated.updated_at) == (1, item.updated_at)


@pytest.mark.parametrize("expected", [frozenset({2}), frozenset()])
async def test_update_at_another_version_changes_nothing(
    deps: ItemsDeps, owner: Principal, expected: frozenset[int]
) -> None:
    item = await create_item(deps, data=ItemCreate(name="A"), actor=owner)

    with pytest.raises(ItemVersionMismatch):
        await update_item(
            deps,
            item_id=item.id,
            changes=ItemUpdate(name="B"),
            actor=owner,
            expected_versions=expected,
        )

    assert (await get_item(deps, item_id=item.id, actor=owner)).name == "A"


async def test_delete_removes_and_a_stale_version_keeps(deps: ItemsDeps, owner: Principal) -> None:
    kept = await create_item(deps, data=ItemCreate(name="Kept"), actor=owner)
    gone = await create_item(deps, data=ItemCreate(name="Gone"), actor=owner)

    with pytest.raises(ItemVersionMismatch):
        await delete_item(deps, item_id=kept.id, actor=owner, expected_versions=frozenset({9}))
    await delete_item(deps, item_id=gone.id, actor=owner)

    assert (await get_item(deps, item_id=kept.id, actor=owner)).name == "Kept"
    with pytest.raises(ItemNotFound):
        await get_item(deps, item_id=gone.id, actor=owner)
    with pytest.raises(ItemNotFound):
        await delete_item(deps, item_id=gone.id, actor=owner)


async def test_list_filters_sorts_nulls_last_and_paginates(
    deps: ItemsDeps, owner: Principal
) -> None:
    for name, price in [
        ("Apple pie", "3.50"),
        ("apple", None),
        ("Banana", "1.00"),
        ("Cherry", "2"),
    ]:
        await create_item(
            deps,
            data=ItemCreate(name=name, price=None if price is None else Decimal(price)),
            actor=owner,
        )

    matching = await list_items(
        deps, query=ItemListQuery(q="APPLE", sort=ItemSort.NAME), actor=owner
    )
    by_price = await list_items(deps, query=ItemListQuery(sort=ItemSort.PRICE_DESC), actor=owner)
    page = await list_items(
        deps, query=ItemListQuery(sort=ItemSort.PRICE, limit=2, offset=1), actor=owner
    )

    assert [item.name for item in matching.items] == ["Apple pie", "apple"]
    assert [item.price for item in by_price.items] == [
        Decimal("3.50"),
        Decimal(2),
        Decimal(1),
        None,
    ]
    assert [item.name for item in page.items] == ["Cherry", "Apple pie"]
    assert (page.total, page.limit, page.offset) == (4, 2, 1)


async def test_list_shows_only_the_actors_items(deps: ItemsDeps, owner: Principal) -> None:
    await create_item(deps, data=ItemCreate(name="Mine"), actor=owner)
    await create_item(deps, data=ItemCreate(name="Theirs"), actor=Principal(uuid4(), owner.scopes))

    page = await list_items(deps, query=ItemListQuery(), actor=owner)

    assert [item.name for item in page.items] == ["Mine"]
    assert page.total == 1


@pytest.mark.parametrize("admin", [False, True], ids=["owner", "admin"])
async def test_the_json_page_is_the_page(deps: ItemsDeps, owner: Principal, admin: bool) -> None:
    for name, price in [("Mine", Decimal("1.5")), ("Also mine", None)]:
        await create_item(deps, data=ItemCreate(name=name, price=price), actor=owner)
    await create_item(deps, data=ItemCreate(name="Theirs"), actor=Principal(uuid4(), owner.scopes))
    actor = Principal(uuid4(), frozenset({"accounts:admin"})) if admin else owner
    query = ItemListQuery(limit=2, offset=1, sort=ItemSort.NAME)

    body = await list_items_json(deps, query=query, actor=actor)

    assert ItemPage.model_validate_json(body) == await list_items(deps, query=query, actor=actor)
    assert json.loads(body)["total"] == (3 if admin else 2)
