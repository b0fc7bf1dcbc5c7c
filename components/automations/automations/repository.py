"""The automations repository and unit-of-work ports, and their SQL implementations."""

from __future__ import annotations

import abc
from typing import Protocol
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from automations.models import Automation, Run
from automations.tables import automation_table, run_table
from core.adapters.sqlalchemy import SqlAlchemyRepository, SqlAlchemyUnitOfWork
from core.interfaces import Repository, UnitOfWork


class AutomationRepository(Repository[Automation], Protocol):
    async def for_item(self, item_id: UUID, *, enabled_only: bool = False) -> list[Automation]:
        """The item's automations, oldest first."""
        ...

    async def remove_for_item(self, item_id: UUID) -> int:
        """Delete the item's automations and their runs; how many automations went."""
        ...


class RunRepository(Repository[Run], Protocol):
    async def page(self, automation_id: UUID, limit: int, offset: int) -> tuple[list[Run], int]:
        """One page of the automation's runs, newest first, and how many there are."""
        ...


class AutomationsUnitOfWork(UnitOfWork, abc.ABC):
    automations: AutomationRepository
    runs: RunRepository


class SqlAutomationRepository(SqlAlchemyRepository[Automation]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Automation)

    async def for_item(self, item_id: UUID, *, enabled_only: bool = False) -> list[Automation]:
        query = select(Automation).where(automation_table.c.item_id == item_id)
        if enabled_only:
            query = query.where(automation_table.c.enabled.is_(True))
        query = query.order_by(automation_table.c.created_at, automation_table.c.id)
        return list((await self._session.scalars(query)).all())

    async def remove_for_item(self, item_id: UUID) -> int:
        owned = select(automation_table.c.id).where(automation_table.c.item_id == item_id)
        # Runs explicitly too: SQLite enforces the cascade only with its pragma on.
        await self._session.execute(delete(run_table).where(run_table.c.automation_id.in_(owned)))
        result = await self._session.execute(
            delete(automation_table).where(automation_table.c.item_id == item_id)
        )
        return int(getattr(result, "rowcount", 0))


class SqlRunRepository(SqlAlchemyRepository[Run]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Run)

    async def page(self, automation_id: UUID, limit: int, offset: int) -> tuple[list[Run], int]:
        belongs = run_table.c.automation_id == automation_id
        query = (
            select(Run)
            .where(belongs)
            .order_by(run_table.c.queued_at.desc(), run_table.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        total = await self._session.scalar(select(func.count()).where(belongs))
        return list((await self._session.scalars(query)).all()), total or 0


class SqlAutomationsUnitOfWork(SqlAlchemyUnitOfWork, AutomationsUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.automations = SqlAutomationRepository(session)
        self.runs = SqlRunRepository(session)
