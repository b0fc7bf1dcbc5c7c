"""The items repository and unit-of-work ports, and their SQL implementations."""

from __future__ import annotations

import abc
from typing import Protocol
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.adapters.sqlalchemy import SqlAlchemyRepository, SqlAlchemyUnitOfWork
from core.interfaces import Repository, UnitOfWork
from items.models import Item
from items.serializers import ItemListQuery
from items.tables import item_table


class ItemRepository(Repository[Item], Protocol):
    async def list_page(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[list[Item], int]:
        """One page of matching items in the query's order, and how many match in all.

        `owner_id` restricts the page to one owner's items; None lists everyone's.
        """
        ...


class ItemsUnitOfWork(UnitOfWork, abc.ABC):
    items: ItemRepository


class SqlItemRepository(SqlAlchemyRepository[Item]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Item)

    async def list_page(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[list[Item], int]:
        condition = _matching(query, owner_id)
        page = (
            select(Item)
            .where(condition)
            .order_by(*_ordering(query))
            .limit(query.limit)
            .offset(query.offset)
        )
        total = select(func.count()).select_from(item_table).where(condition)
        items = list((await self._session.scalars(page)).all())
        return items, (await self._session.scalar(total)) or 0


def _matching(query: ItemListQuery, owner_id: UUID | None) -> ColumnElement[bool]:
    conditions = []
    if owner_id is not None:
        conditions.append(item_table.c.owner_id == owner_id)
    if query.q is not None:
        conditions.append(item_table.c.name.icontains(query.q, autoescape=True))
    return and_(true(), *conditions)


def _ordering(query: ItemListQuery) -> tuple[ColumnElement[object], ...]:
    column = item_table.c[query.sort.field]
    direction = column.desc() if query.sort.descending else column.asc()
    return direction.nulls_last(), item_table.c.id.asc()


class SqlItemsUnitOfWork(SqlAlchemyUnitOfWork, ItemsUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.items = SqlItemRepository(session)
