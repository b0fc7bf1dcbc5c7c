"""Use cases on items: create, read, list, change and delete."""

from __future__ import annotations

from uuid import UUID

from core.security import Principal
from core.versions import Versions, check_version, commit_expecting
from items.dependencies import ItemsDeps
from items.errors import ItemNotFound, ItemVersionMismatch
from items.models import Item
from items.repository import ItemsUnitOfWork
from items.serializers import (
    ItemCreate,
    ItemListQuery,
    ItemPage,
    ItemRead,
    ItemUpdate,
    item_page_json,
)


async def create_item(deps: ItemsDeps, *, data: ItemCreate, actor: Principal) -> ItemRead:
    """Save a new item at version 1, owned by the actor."""
    item = Item.create(
        name=data.name,
        description=data.description,
        price=data.price,
        owner_id=actor.account_id,
        now=deps.clock(),
    )
    async with deps.uow() as uow:
        await uow.items.add(item)
        await uow.commit()
    # Not cached here: no copy of a new item can be stale, and its first read fills the cache.
    return ItemRead.model_validate(item)


async def get_item(deps: ItemsDeps, *, item_id: UUID, actor: Principal) -> ItemRead:
    """The item with this id; ItemNotFound when it does not exist or the actor may not see it.

    Read through the item cache; a cached item is checked for the actor like a loaded one.
    """
    item = await deps.cache.get(item_id)
    if item is None:
        async with deps.reader() as uow:
            item = ItemRead.model_validate(await _existing(uow, item_id, actor))
        await deps.cache.put(item)
    if not actor.may_see(item.owner_id):
        raise ItemNotFound(item_id)
    return item


async def list_items(deps: ItemsDeps, *, query: ItemListQuery, actor: Principal) -> ItemPage:
    """One page of the actor's items (everyone's for admins) matching the query, and the total."""
    async with deps.reader() as uow:
        items, total = await uow.items.list_page(query, _listed_owner(actor))
        return ItemPage(
            items=items,
            total=total,
            limit=query.limit,
            offset=query.offset,
        )


async def list_items_json(deps: ItemsDeps, *, query: ItemListQuery, actor: Principal) -> bytes:
    """The page `list_items` returns, as its JSON: for a caller that only sends it on.

    Where the database can write the items' JSON, they are never built in Python: on a page
    of 100 items that was over 40 % of the request's CPU (see ItemRepository.list_page_json).
    """
    async with deps.reader() as uow:
        items, total = await uow.items.list_page_json(query, _listed_owner(actor))
    return item_page_json(items, total, query.limit, query.offset)


def _listed_owner(actor: Principal) -> UUID | None:
    """Whose items a list shows: the actor's own, or everyone's (None) to an administrator."""
    return None if actor.is_admin else actor.account_id


async def update_item(
    deps: ItemsDeps,
    *,
    item_id: UUID,
    changes: ItemUpdate,
    actor: Principal,
    expected_versions: Versions = None,
) -> ItemRead:
    """Change some fields; ItemNotFound, or ItemVersionMismatch when another version is current."""
    async with deps.uow() as uow:
        item = await _existing(uow, item_id, actor, expected_versions)
        if item.update(changes.changes(), now=deps.clock()):
            await commit_expecting(uow, expected_versions, ItemVersionMismatch(item_id))
        # Inside the unit: leaving it without a commit expires the loaded item.
        updated = ItemRead.model_validate(item)
    await deps.cache.put(updated)
    return updated


async def delete_item(
    deps: ItemsDeps, *, item_id: UUID, actor: Principal, expected_versions: Versions = None
) -> None:
    """Remove the item; ItemNotFound, or ItemVersionMismatch when another version is current."""
    async with deps.uow() as uow:
        item = await _existing(uow, item_id, actor, expected_versions)
        item.delete(now=deps.clock())
        deleted_version = item.version
        await uow.items.remove(item)
        await commit_expecting(uow, expected_versions, ItemVersionMismatch(item_id))
    await deps.cache.forget(item_id, deleted_version)


async def _existing(
    uow: ItemsUnitOfWork, item_id: UUID, actor: Principal, expected: Versions = None
) -> Item:
    """The item the actor may see; someone else's item is as absent as a missing one."""
    item = await uow.items.get(item_id)
    if item is None or not actor.may_see(item.owner_id):
        raise ItemNotFound(item_id)
    check_version(item.version, expected, ItemVersionMismatch(item_id))
    return item
