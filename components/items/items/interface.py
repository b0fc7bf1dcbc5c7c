"""The items use cases: the only entry point other layers call."""

from __future__ import annotations

from uuid import UUID

from core.errors import ConcurrentModification
from items.dependencies import ItemsDeps
from items.errors import ItemNotFound, ItemVersionMismatch
from items.models import Item
from items.repository import ItemsUnitOfWork
from items.serializers import ItemCreate, ItemListQuery, ItemPage, ItemRead, ItemUpdate

Versions = frozenset[int] | None


async def create_item(deps: ItemsDeps, *, data: ItemCreate) -> ItemRead:
    """Save a new item at version 1."""
    item = Item.create(
        name=data.name, description=data.description, price=data.price, now=deps.clock()
    )
    async with deps.uow() as uow:
        await uow.items.add(item)
        await uow.commit()
    return ItemRead.model_validate(item)


async def get_item(deps: ItemsDeps, *, item_id: UUID) -> ItemRead:
    """The item with this id; ItemNotFound otherwise."""
    async with deps.uow() as uow:
        return ItemRead.model_validate(await _existing(uow, item_id))


async def list_items(deps: ItemsDeps, *, query: ItemListQuery) -> ItemPage:
    """One page of items matching the query, and the total that match."""
    async with deps.uow() as uow:
        items, total = await uow.items.list_page(query)
        return ItemPage(
            items=[ItemRead.model_validate(item) for item in items],
            total=total,
            limit=query.limit,
            offset=query.offset,
        )


async def update_item(
    deps: ItemsDeps, *, item_id: UUID, changes: ItemUpdate, expected_versions: Versions = None
) -> ItemRead:
    """Change some fields; ItemNotFound, or ItemVersionMismatch when another version is current."""
    async with deps.uow() as uow:
        item = await _existing(uow, item_id, expected_versions)
        if item.update(changes.changes(), now=deps.clock()):
            await _commit(uow, item_id, expected_versions)
        return ItemRead.model_validate(item)


async def delete_item(
    deps: ItemsDeps, *, item_id: UUID, expected_versions: Versions = None
) -> None:
    """Remove the item; ItemNotFound, or ItemVersionMismatch when another version is current."""
    async with deps.uow() as uow:
        item = await _existing(uow, item_id, expected_versions)
        await uow.items.remove(item)
        await _commit(uow, item_id, expected_versions)


async def _existing(uow: ItemsUnitOfWork, item_id: UUID, expected: Versions = None) -> Item:
    item = await uow.items.get(item_id)
    if item is None:
        raise ItemNotFound(item_id)
    if expected is not None and item.version not in expected:
        raise ItemVersionMismatch(item_id)
    return item


async def _commit(uow: ItemsUnitOfWork, item_id: UUID, expected: Versions) -> None:
    """Commit; a writer that raced us turns into a failed precondition when the caller set one.

    Takes the id, not the item: after a failed flush the item's attributes are expired.
    """
    try:
        await uow.commit()
    except ConcurrentModification:
        if expected is None:
            raise
        raise ItemVersionMismatch(item_id) from None
