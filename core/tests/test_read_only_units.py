"""Read-only units of work: no transaction around their reads on an engine, and no commit."""

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.adapters.sqlalchemy import SqlAlchemyUnitOfWork


async def isolation_of(uow: SqlAlchemyUnitOfWork) -> object:
    connection = (await uow.session.connection()).sync_connection
    assert connection is not None
    return connection.get_execution_options().get("isolation_level")


async def test_a_read_only_unit_reads_in_autocommit_and_refuses_to_commit(
    engine: AsyncEngine,
) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async with SqlAlchemyUnitOfWork(sessions, read_only=True) as uow:
        assert (await uow.session.execute(text("SELECT 1"))).scalar() == 1
        assert await isolation_of(uow) == "AUTOCOMMIT"
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.commit()


async def test_a_read_only_unit_joins_the_transaction_of_a_bound_connection(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with SqlAlchemyUnitOfWork(session_factory, read_only=True) as uow:
        assert await isolation_of(uow) is None
        assert (await uow.session.connection()).in_transaction()
