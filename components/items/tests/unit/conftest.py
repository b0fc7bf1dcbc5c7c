"""Whole items use cases in memory, on fakes built on the component's ports."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from core.security import Principal
from core.testing import InMemoryRepository, InMemoryUnitOfWork
from items.dependencies import ItemsDeps
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
    def __init__(self, store: dict[UUID, Item]) -> None:
        self.items = FakeItemRepository(store)
        super().__init__(self.items)


class SteppingClock:
    """Each reading is one second after the previous one."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store() -> dict[UUID, Item]:
    return {}


@pytest.fixture
def deps(store: dict[UUID, Item]) -> ItemsDeps:
    return ItemsDeps(uow=lambda: FakeItemsUnitOfWork(store), clock=SteppingClock())


@pytest.fixture
def owner() -> Principal:
    return Principal(uuid4(), frozenset({"items:read", "items:write"}))
