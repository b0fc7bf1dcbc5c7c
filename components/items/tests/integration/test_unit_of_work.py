"""The SQL unit of work commits all or nothing."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from items.models import Item
from items.repository import SqlItemsUnitOfWork
from items.serializers import ItemListQuery
from items.tables import start_mappers

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(autouse=True)
def _mapped() -> None:
    start_mappers()


def new_item(name: str) -> Item:
    return Item.create(
        name=name, description=None, price=None, owner_id=uuid4(), now=datetime.now(UTC)
    )


async def test_leaving_without_commit_rolls_back(session_factory: Sessions) -> None:
    item = new_item("Forgotten")

    async with SqlItemsUnitOfWork(session_factory) as uow:
        await uow.items.add(item)

    async with SqlItemsUnitOfWork(session_factory) as uow:
        assert await uow.items.get(item.id) is None


async def test_an_error_inside_the_unit_discards_every_change(session_factory: Sessions) -> None:
    kept = new_item("Kept")
    async with SqlItemsUnitOfWork(session_factory) as uow:
        await uow.items.add(kept)
        await uow.commit()

    with pytest.raises(RuntimeError, match="midway"):
        await _fail_midway(session_factory, kept)

    async with SqlItemsUnitOfWork(session_factory) as uow:
        items, total = await uow.items.list_page(ItemListQuery(), None)
        assert total == 1
        assert items[0].name == "Kept"


async def test_committed_values_round_trip_exactly(session_factory: Sessions) -> None:
    item = Item.create(
        name="Exact",
        description="é ✓",
        price=Decimal("9999999999.99"),
        owner_id=uuid4(),
        now=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
    async with SqlItemsUnitOfWork(session_factory) as uow:
        await uow.items.add(item)
        await uow.commit()

    async with SqlItemsUnitOfWork(session_factory) as uow:
        loaded = await uow.items.get(item.id)
        assert loaded is not None
        assert loaded is not item, "a fresh unit loads from the database"
        assert loaded.price == item.price
        assert loaded.created_at == item.created_at
        assert loaded.created_at.tzinfo is not None
        assert loaded.description == "é ✓"


async def _fail_midway(session_factory: Sessions, kept: Item) -> None:
    async with SqlItemsUnitOfWork(session_factory) as uow:
        stored = await uow.items.get(kept.id)
        assert stored is not None
        stored.update({"name": "Half-written"}, datetime.now(UTC))
        await uow.items.add(new_item("Also lost"))
        raise RuntimeError("the use case failed midway")
