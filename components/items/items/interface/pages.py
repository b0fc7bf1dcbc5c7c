"""API v2 listing: keyset pages that cost the same on page 1 and page 10,000."""

from __future__ import annotations

from core.security import Principal
from items.dependencies import ItemsDeps
from items.keyset import position_of
from items.serializers import ItemCursorPage, ItemCursorQuery


async def list_items_after(
    deps: ItemsDeps, *, query: ItemCursorQuery, actor: Principal
) -> ItemCursorPage:
    """The actor's items (everyone's for admins) after the query's cursor; InvalidCursor."""
    owner_id = None if actor.is_admin else actor.account_id
    after = None if query.cursor is None else deps.cursors.decode(query.cursor, query.sort.value)
    async with deps.reader() as uow:
        # One row more than asked tells whether another page follows.
        items = await uow.items.page_after(query.sort, after, query.limit + 1, owner_id)
    page, more = items[: query.limit], len(items) > query.limit
    next_cursor = deps.cursors.encode(position_of(page[-1], query.sort)) if more else None
    return ItemCursorPage(items=page, next_cursor=next_cursor)
