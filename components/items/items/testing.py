"""In-memory doubles of the items ports, for this and other components' unit tests."""

from __future__ import annotations

from uuid import UUID

from core.interfaces import Message
from core.testing import InMemoryRepository, InMemoryUnitOfWork
from items.models import Item
from items.repository import ItemsUnitOfWork
from items.serializers import ItemListQuery


class FakeItemRepository(InMemoryRepository[Item]):
    """The SQL repository's list semantics in plain Python."""

    async def list_page(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[list[Item], int]:
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
        return page, len(matching)


class FakeItemsUnitOfWork(InMemoryUnitOfWork, ItemsUnitOfWork):
    """Items in a shared dict; committed events appended to `outbox` when given."""

    def __init__(self, store: dict[UUID, Item], outbox: list[Message] | None = None) -> None:
        self.items = FakeItemRepository(store)
        super().__init__(self.items, outbox=outbox)
