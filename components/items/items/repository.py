"""The items repository and unit-of-work ports, and their SQL implementations."""

from __future__ import annotations

import abc
from typing import Any, Protocol
from uuid import UUID

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Select, Uuid, and_, func, literal, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.adapters.sqlalchemy import SqlAlchemyRepository, SqlAlchemyUnitOfWork
from core.interfaces import Repository, UnitOfWork
from items.cursors import Position
from items.keyset import sort_value
from items.models import Attachment, Item
from items.serializers import ItemListQuery, ItemRead, ItemSort
from items.tables import attachment_table, item_table

_ITEM_READS = TypeAdapter(list[ItemRead])


class ItemRepository(Repository[Item], Protocol):
    async def list_page(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[list[ItemRead], int]:
        """One page of matching items in the query's order, and how many match in all.

        `owner_id` restricts the page to one owner's items; None lists everyone's. Read
        straight into ItemRead: a page loads no aggregate.
        """
        ...

    async def page_after(
        self, sort: ItemSort, after: Position | None, limit: int, owner_id: UUID | None
    ) -> list[ItemRead]:
        """Up to `limit` items following `after` (from the start when None) in keyset order."""
        ...


class AttachmentRepository(Repository[Attachment], Protocol):
    async def of_item(self, item_id: UUID) -> list[Attachment]:
        """The item's attachments, oldest first."""
        ...

    async def hold_item(self, item_id: UUID) -> bool:
        """Whether the item still exists; it cannot be deleted until this unit ends."""
        ...


class ItemsUnitOfWork(UnitOfWork, abc.ABC):
    items: ItemRepository
    attachments: AttachmentRepository


class SqlItemRepository(SqlAlchemyRepository[Item]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Item)

    async def list_page(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[list[ItemRead], int]:
        condition = _matching(query, owner_id)
        page = (
            select(*item_table.c)
            .where(condition)
            .order_by(*_ordering(query))
            .limit(query.limit)
            .offset(query.offset)
        )
        total = select(func.count()).select_from(item_table).where(condition)
        items = await self._reads(page)
        return items, (await self._session.scalar(total)) or 0

    async def page_after(
        self, sort: ItemSort, after: Position | None, limit: int, owner_id: UUID | None
    ) -> list[ItemRead]:
        found: list[ItemRead] = []
        for segment in _segments(sort, after):
            found += await self._reads(
                segment.where(*_owned_by(owner_id)).limit(limit - len(found))
            )
            if len(found) >= limit:
                break
        return found

    async def _reads(self, statement: Select[Any]) -> list[ItemRead]:
        """The rows as ItemRead, in one call into pydantic's core.

        From plain dicts: about ten times cheaper than building each model in Python (even
        unvalidated) or than letting pydantic read the rows' attributes.
        """
        result = await self._session.execute(statement)
        columns = tuple(result.keys())
        return _ITEM_READS.validate_python([dict(zip(columns, row, strict=True)) for row in result])


def _matching(query: ItemListQuery, owner_id: UUID | None) -> ColumnElement[bool]:
    conditions = []
    if owner_id is not None:
        conditions.append(item_table.c.owner_id == owner_id)
    if query.q is not None:
        conditions.append(item_table.c.name.icontains(query.q, autoescape=True))
    return and_(true(), *conditions)


def _owned_by(owner_id: UUID | None) -> list[ColumnElement[bool]]:
    return [] if owner_id is None else [item_table.c.owner_id == owner_id]


def _segments(sort: ItemSort, after: Position | None) -> list[Select[Any]]:
    """The keyset order (see items.keyset) as at most two index range scans, resumed after
    `after`: rows with a value by (value, id), rows without one by id; reversed descending.
    """
    column, item_id = item_table.c[sort.field], item_table.c.id
    valued = select(*item_table.c).order_by(*_directed(sort, column, item_id))
    if not column.nullable:
        return [valued if after is None else valued.where(_beyond(sort, column, after))]
    valued = valued.where(column.is_not(None))
    unvalued = select(*item_table.c).where(column.is_(None)).order_by(_directed(sort, item_id)[0])
    if after is None:
        return [unvalued, valued] if sort.descending else [valued, unvalued]
    if after.value is None:
        beyond = item_id < after.id if sort.descending else item_id > after.id
        return [unvalued.where(beyond), *([valued] if sort.descending else [])]
    return [valued.where(_beyond(sort, column, after)), *([] if sort.descending else [unvalued])]


def _directed(sort: ItemSort, *columns: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    return [column.desc() if sort.descending else column.asc() for column in columns]


def _beyond(sort: ItemSort, column: ColumnElement[Any], after: Position) -> ColumnElement[bool]:
    """Rows strictly after `after` on the valued segment, as one row-value comparison."""
    row = tuple_(column, item_table.c.id)
    bound = tuple_(literal(sort_value(after, sort), column.type), literal(after.id, Uuid()))
    return row < bound if sort.descending else row > bound


def _ordering(query: ItemListQuery) -> tuple[ColumnElement[object], ...]:
    column = item_table.c[query.sort.field]
    direction = column.desc() if query.sort.descending else column.asc()
    return direction.nulls_last(), item_table.c.id.asc()


class SqlAttachmentRepository(SqlAlchemyRepository[Attachment]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Attachment)

    async def of_item(self, item_id: UUID) -> list[Attachment]:
        query = (
            select(Attachment)
            .where(attachment_table.c.item_id == item_id)
            .order_by(attachment_table.c.created_at, attachment_table.c.id)
        )
        return list((await self._session.scalars(query)).all())

    async def hold_item(self, item_id: UUID) -> bool:
        # FOR UPDATE on PostgreSQL: a concurrent delete waits, so its `item.deleted` consumer
        # finds this attachment. SQLite's transactions are serialized anyway.
        query = select(item_table.c.id).where(item_table.c.id == item_id).with_for_update()
        return (await self._session.scalar(query)) is not None


class SqlItemsUnitOfWork(SqlAlchemyUnitOfWork, ItemsUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.items = SqlItemRepository(session)
        self.attachments = SqlAttachmentRepository(session)
