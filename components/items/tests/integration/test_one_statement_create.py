"""A unit that only adds an item writes it and its event in one statement, all or nothing.

On an engine of its own (as in production), on PostgreSQL: no BEGIN, no COMMIT, one
round trip; SQLite and units that change loaded rows go through the ORM's flush.
"""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy import Connection, delete, event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.adapters.sqlalchemy.outbox import outbox_table
from core.errors import ConstraintViolation
from items.models import Item
from items.repository import SqlItemsUnitOfWork
from items.tables import item_table, start_mappers

Sessions = async_sessionmaker[AsyncSession]
# Every item here belongs to this owner, and so does its event (the audience): the database
# is shared with other tests, so only these rows are counted and removed.
OWNER = uuid4()
MINE = (item_table.c.owner_id == OWNER, outbox_table.c.audience == str(OWNER))


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[Sessions]:
    """Sessions on the engine itself: these units commit for real; their rows go afterwards."""
    start_mappers()
    yield async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with engine.begin() as connection:
        await connection.execute(delete(item_table).where(MINE[0]))
        await connection.execute(delete(outbox_table).where(MINE[1]))


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, bool]]]:
    """Each statement the engine sent: its verb, and whether PostgreSQL then had a transaction open.

    asyncpg's view, from the server's replies: SQLAlchemy's begin and commit events fire in
    autocommit mode too, where nothing is sent.
    """
    sent: list[tuple[str, bool]] = []

    def on_statement(connection: Connection, _cursor: object, statement: str, *_: object) -> None:
        driver = connection.connection.driver_connection
        # asyncpg's view (PostgreSQL's own); SQLite's tests read the verbs alone.
        in_transaction = getattr(driver, "is_in_transaction", lambda: False)()
        sent.append((statement.split(None, 1)[0].upper(), in_transaction))

    event.listen(engine.sync_engine, "after_cursor_execute", on_statement)
    yield sent
    event.remove(engine.sync_engine, "after_cursor_execute", on_statement)


def verbs(statements: list[tuple[str, bool]]) -> list[str]:
    """The statements' verbs, without the BEGIN that SQLite's dialect sends as a statement."""
    return [verb for verb, _ in statements if verb != "BEGIN"]


def new_item(name: str = "Lamp") -> Item:
    return Item.create(
        name=name, description="é", price=Decimal("12.50"), owner_id=OWNER, now=datetime.now(UTC)
    )


async def added(sessions: Sessions, item: Item) -> None:
    async with SqlItemsUnitOfWork(sessions) as uow:
        await uow.items.add(item)
        await uow.commit()


async def stored(sessions: Sessions) -> tuple[int, int]:
    async with sessions() as session:
        items = await session.scalar(select(func.count()).where(MINE[0]))
        events = await session.scalar(select(func.count()).where(MINE[1]))
    return items or 0, events or 0


async def test_a_create_is_one_statement_on_postgresql_and_keeps_every_value(
    sessions: Sessions, statements: list[tuple[str, bool]], engine: AsyncEngine
) -> None:
    item = new_item()
    await added(sessions, item)

    if engine.dialect.name == "postgresql":
        assert statements == [("WITH", False)], "the item and its event, outside a transaction"
    else:
        assert verbs(statements) == ["INSERT", "INSERT"]
    async with SqlItemsUnitOfWork(sessions) as uow:
        loaded = await uow.items.get(item.id)
        assert loaded is not None
        assert (loaded.name, loaded.description, loaded.price, loaded.version) == (
            "Lamp",
            "é",
            Decimal("12.50"),
            1,
        )
        assert (loaded.owner_id, loaded.created_at) == (item.owner_id, item.created_at)
    async with sessions() as session:
        row = (await session.execute(select(outbox_table).where(MINE[1]))).one()
    assert (row.type, row.data["item"]["id"]) == ("item.created", str(item.id))


async def test_a_create_that_breaks_a_constraint_writes_nothing(sessions: Sessions) -> None:
    first = new_item()
    await added(sessions, first)
    twin = new_item("Twin")
    twin.id = first.id

    async with SqlItemsUnitOfWork(sessions) as uow:
        await uow.items.add(twin)
        with pytest.raises(ConstraintViolation):
            await uow.commit()

    assert await stored(sessions) == (1, 1), "neither the twin nor its event"


async def test_a_unit_that_changes_a_loaded_item_keeps_its_transaction(
    sessions: Sessions, statements: list[tuple[str, bool]], engine: AsyncEngine
) -> None:
    item = new_item()
    await added(sessions, item)
    statements.clear()

    async with SqlItemsUnitOfWork(sessions) as uow:
        loaded = await uow.items.get(item.id)
        assert loaded is not None
        loaded.update({"name": "Desk"}, datetime.now(UTC))
        await uow.items.add(new_item("Chair"))
        await uow.commit()

    assert verbs(statements) == ["SELECT", "INSERT", "UPDATE", "INSERT"]
    if engine.dialect.name == "postgresql":
        assert [in_transaction for _, in_transaction in statements] == [True] * 4
    assert await stored(sessions) == (2, 3)
