"""In-memory doubles of the items ports, for this and other components' unit tests."""

from __future__ import annotations

import operator
from uuid import UUID

from core.interfaces import Message
from core.testing import InMemoryRepository, InMemoryUnitOfWork
from items.cursors import Position
from items.keyset import order_key, sort_value
from items.models import Attachment, Item
from items.repository import ItemsUnitOfWork
from items.serializers import ITEM_READS, ItemListQuery, ItemRead, ItemSort


class FakeItemRepository(InMemoryRepository[Item]):
    """The SQL repository's list semantics in plain Python."""

    async def list_page(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[list[ItemRead], int]:
        matching = [
            item
            for item in self.visible()
            if (owner_id is None or item.owner_id == owner_id)
            and (query.q is None or query.q.lower() in item.name.lower())
        ]
        ordered = sorted(matching, key=lambda item: item.id)
        present = [i for i in ordered if getattr(i, query.sort.field) is not None]
        missing = [i for i in ordered if getattr(i, query.sort.field) is None]
        present.sort(key=lambda i: getattr(i, query.sort.field), reverse=query.sort.descending)
        page = (present + missing)[query.offset : query.offset + query.limit]
        return [ItemRead.model_validate(item) for item in page], len(matching)

    async def list_page_json(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[bytes, int]:
        items, total = await self.list_page(query, owner_id)
        return ITEM_READS.dump_json(items), total

    async def page_after(
        self, sort: ItemSort, after: Position | None, limit: int, owner_id: UUID | None
    ) -> list[ItemRead]:
        items = [ItemRead.model_validate(i) for i in self.visible()]
        mine = [i for i in items if owner_id is None or i.owner_id == owner_id]
        ordered = sorted(mine, key=lambda i: order_key(getattr(i, sort.field), i.id))
        if sort.descending:
            ordered.reverse()
        if after is not None:
            start = order_key(sort_value(after, sort), after.id)
            beyond = operator.lt if sort.descending else operator.gt
            ordered = [i for i in ordered if beyond(order_key(getattr(i, sort.field), i.id), start)]
        return ordered[:limit]


class FakeAttachmentRepository(InMemoryRepository[Attachment]):
    """Attachments in a shared dict; `hold_item` looks at the items this unit sees."""

    def __init__(self, committed: dict[UUID, Attachment], items: FakeItemRepository) -> None:
        super().__init__(committed)
        self._items = items

    async def of_item(self, item_id: UUID) -> list[Attachment]:
        found = [a for a in self.visible() if a.item_id == item_id]
        return sorted(found, key=lambda a: (a.created_at, a.id))

    async def hold_item(self, item_id: UUID) -> bool:
        return await self._items.get(item_id) is not None


class FakeItemsUnitOfWork(InMemoryUnitOfWork, ItemsUnitOfWork):
    """Items (and attachments) in shared dicts; committed events appended to `outbox`."""

    def __init__(
        self,
        store: dict[UUID, Item],
        outbox: list[Message] | None = None,
        attachments: dict[UUID, Attachment] | None = None,
    ) -> None:
        self.items = FakeItemRepository(store)
        self.attachments = FakeAttachmentRepository(
            {} if attachments is None else attachments, self.items
        )
        super().__init__(self.items, self.attachments, outbox=outbox)
