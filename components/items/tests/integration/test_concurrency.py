"""Racing writers on a real database never overwrite each other silently."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.adapters.sqlalchemy import create_session_factory
from core.errors import ConcurrentModification
from core.security import Principal
from items.dependencies import ItemsDeps
from items.errors import ItemVersionMismatch
from items.interface import create_item, get_item, update_item
from items.repository import SqlItemsUnitOfWork
from items.serializers import ItemCreate, ItemUpdate
from items.tables import item_table, start_mappers

WRITERS = 10
OWNER = Principal(uuid4(), frozenset({"items:read", "items:write"}))


async def committing_deps(engine: AsyncEngine) -> AsyncIterator[ItemsDeps]:
    """Deps whose units really commit, on their own connections; the table is emptied after."""
    start_mappers()
    session_factory = create_session_factory(engine)
    yield ItemsDeps(uow=lambda: SqlItemsUnitOfWork(session_factory))
    async with engine.begin() as connection:
        await connection.execute(item_table.delete())


@pytest.fixture
async def deps(engine: AsyncEngine) -> AsyncIterator[ItemsDeps]:
    async for deps in committing_deps(engine):
        yield deps


@pytest.fixture
async def postgres_deps(postgres_engine: AsyncEngine) -> AsyncIterator[ItemsDeps]:
    async for deps in committing_deps(postgres_engine):
        yield deps


async def test_concurrent_conditional_updates_let_exactly_one_through(deps: ItemsDeps) -> None:
    item = await create_item(deps, data=ItemCreate(name="Original"), actor=OWNER)

    results = await asyncio.gather(
        *(
            update_item(
                deps,
                item_id=item.id,
                changes=ItemUpdate(name=f"writer {n}"),
                actor=OWNER,
                expected_versions=frozenset({1}),
            )
            for n in range(WRITERS)
        ),
        return_exceptions=True,
    )

    winners = [result for result in results if not isinstance(result, BaseException)]
    losers = [result for result in results if isinstance(result, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(loser, ItemVersionMismatch) for loser in losers), losers
    final = await get_item(deps, item_id=item.id, actor=OWNER)
    assert (final.name, final.version) == (winners[0].name, 2)


async def test_every_accepted_unconditional_update_is_counted(deps: ItemsDeps) -> None:
    item = await create_item(deps, data=ItemCreate(name="Original"), actor=OWNER)

    results = await asyncio.gather(
        *(
            update_item(deps, item_id=item.id, changes=ItemUpdate(name=f"writer {n}"), actor=OWNER)
            for n in range(WRITERS)
        ),
        return_exceptions=True,
    )

    accepted = [result for result in results if not isinstance(result, BaseException)]
    refused = [result for result in results if isinstance(result, BaseException)]
    assert all(isinstance(error, ConcurrentModification) for error in refused)
    final = await get_item(deps, item_id=item.id, actor=OWNER)
    assert final.version == 1 + len(accepted), "no accepted write was lost"
    assert final.name in {result.name for result in accepted}


async def test_interleaved_units_refuse_the_second_writer_on_postgres(
    postgres_deps: ItemsDeps,
) -> None:
    """PostgreSQL runs units side by side (SQLite serializes them with BEGIN IMMEDIATE)."""
    deps = postgres_deps
    item = await create_item(deps, data=ItemCreate(name="Original"), actor=OWNER)
    now = datetime.now(UTC)

    async with deps.uow() as first, deps.uow() as second:
        mine = await first.items.get(item.id)
        theirs = await second.items.get(item.id)
        assert mine is not None
        assert theirs is not None
        mine.update({"name": "first"}, now)
        theirs.update({"name": "second"}, now)
        await first.commit()
        with pytest.raises(ConcurrentModification):
            await second.commit()

    final = await get_item(deps, item_id=item.id, actor=OWNER)
    assert (final.name, final.version) == ("first", 2)
