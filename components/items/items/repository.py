"""The items repository and unit-of-work ports, and their SQL implementations."""

from __future__ import annotations

import abc
import enum
import functools
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    func,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnCollection

from core.adapters.sqlalchemy import SqlAlchemyRepository, SqlAlchemyUnitOfWork
from core.adapters.sqlalchemy.json_rows import json_array
from core.interfaces import Repository, UnitOfWork
from items.cursors import Position
from items.keyset import sort_value
from items.models import Attachment, Item
from items.serializers import ITEM_READS, ItemListQuery, ItemRead, ItemSort
from items.tables import attachment_table, item_table

_ITEM_READ_KEYS = tuple(ItemRead.model_fields)
_LIKE_ESCAPE = "/"
# The values every cached page statement binds at execution.
_OWNED = item_table.c.owner_id == bindparam("owner_id", type_=Uuid())
_LIMIT = bindparam("limit", type_=Integer())


class ItemRepository(Repository[Item], Protocol):
    async def list_page(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[list[ItemRead], int]:
        """One page of matching items in the query's order, and how many match in all.

        `owner_id` restricts the page to one owner's items; None lists everyone's. Read
        straight into ItemRead: a page loads no aggregate.
        """
        ...

    async def list_page_json(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[bytes, int]:
        """The page `list_page` finds, as the JSON array of its items in ItemRead's JSON form,
        and the total: for a caller that only sends the page on."""
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
        page, total = _page_statements(query.sort, **_page_shape(query, owner_id))
        where = _page_filter(query, owner_id)
        items = await self._reads(page, {**where, "limit": query.limit, "offset": query.offset})
        return items, (await self._session.scalar(total, where)) or 0

    async def list_page_json(
        self, query: ItemListQuery, owner_id: UUID | None
    ) -> tuple[bytes, int]:
        """On PostgreSQL, the database writes the JSON, page and count in one round trip;
        elsewhere the page is read as `list_page` and dumped."""
        if self._session.get_bind().dialect.name != "postgresql":
            items, total = await self.list_page(query, owner_id)
            return ITEM_READS.dump_json(items), total
        statement = _rendered_page(query.sort, **_page_shape(query, owner_id))
        params = {**_page_filter(query, owner_id), "limit": query.limit, "offset": query.offset}
        rendered, total = (await self._session.execute(statement, params)).one()
        return rendered.encode(), total

    async def page_after(
        self, sort: ItemSort, after: Position | None, limit: int, owner_id: UUID | None
    ) -> list[ItemRead]:
        resume = _Resume.of(after)
        params: dict[str, Any] = {"owner_id": owner_id}
        if after is not None:
            params.update(after_value=sort_value(after, sort), after_id=after.id)
        found: list[ItemRead] = []
        for segment in _segments(sort, resume, owned=owner_id is not None):
            found += await self._reads(segment, {**params, "limit": limit - len(found)})
            if len(found) >= limit:
                break
        return found

    async def _reads(
        self, statement: Select[Any], params: dict[str, Any] | None = None
    ) -> list[ItemRead]:
        """The rows as ItemRead, in one call into pydantic's core.

        From plain dicts: about ten times cheaper than building each model in Python (even
        unvalidated) or than letting pydantic read the rows' attributes.
        """
        result = await self._session.execute(statement, params)
        columns = tuple(result.keys())
        rows = result.all()  # at once: iterating the result fetches row by row
        return ITEM_READS.validate_python([dict(zip(columns, row, strict=True)) for row in rows])


def _page_shape(query: ItemListQuery, owner_id: UUID | None) -> dict[str, bool]:
    """Which conditions a v1 page has: its statements are built once per shape."""
    return {"owned": owner_id is not None, "searched": query.q is not None}


def _page_filter(query: ItemListQuery, owner_id: UUID | None) -> dict[str, Any]:
    """The values a v1 page's conditions bind."""
    return {
        **({"owner_id": owner_id} if owner_id is not None else {}),
        **({"q": _like_escaped(query.q)} if query.q is not None else {}),
    }


@functools.cache
def _page_statements(
    sort: ItemSort, *, owned: bool, searched: bool
) -> tuple[Select[Any], Select[Any]]:
    """A v1 page and its count, built once per shape; the values are bound when they run.

    Building a statement and computing its cache key costs more than running it on a
    warm connection, so a request only supplies parameters.
    """
    conditions: list[ColumnElement[bool]] = []
    if owned:
        conditions.append(_OWNED)
    if searched:
        pattern = bindparam("q", type_=String())
        conditions.append(item_table.c.name.icontains(pattern, escape=_LIKE_ESCAPE))
    condition = and_(true(), *conditions)
    page = (
        select(*item_table.c)
        .where(condition)
        .order_by(*_ordering(sort, item_table.c))
        .limit(_LIMIT)
        .offset(bindparam("offset", type_=Integer()))
    )
    return page, select(func.count()).select_from(item_table).where(condition)


@functools.cache
def _rendered_page(sort: ItemSort, *, owned: bool, searched: bool) -> Select[Any]:
    """A v1 page rendered as JSON (see core.adapters.sqlalchemy.json_rows), and its count."""
    page, total = _page_statements(sort, owned=owned, searched=searched)
    rows = page.subquery("page")
    rendered = json_array(rows, _ITEM_READ_KEYS, _ordering(sort, rows.c))
    return select(rendered.scalar_subquery(), total.scalar_subquery())


def _like_escaped(text: str) -> str:
    """`text` matched literally by LIKE: its wildcards and the escape itself escaped."""
    for special in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, _LIKE_ESCAPE + special)
    return text


class _Resume(enum.Enum):
    """Where a v2 page starts: at the beginning, or after a row without or with a value."""

    START = "start"
    AFTER_UNVALUED = "after_unvalued"
    AFTER_VALUED = "after_valued"

    @classmethod
    def of(cls, after: Position | None) -> _Resume:
        if after is None:
            return cls.START
        return cls.AFTER_UNVALUED if after.value is None else cls.AFTER_VALUED


@functools.cache
def _segments(sort: ItemSort, resume: _Resume, *, owned: bool) -> tuple[Select[Any], ...]:
    """The keyset order (see items.keyset) as at most two index range scans, resumed after
    the position bound as `after_value` and `after_id`: rows with a value by (value, id),
    rows without one by id; reversed descending. Built once per shape, as v1's pages.
    """
    column, item_id = item_table.c[sort.field], item_table.c.id
    scope = [_OWNED] if owned else []
    valued = select(*item_table.c).where(*scope).order_by(*_directed(sort, column, item_id))
    if not column.nullable:
        resumed = [_beyond(sort, column)] if resume is _Resume.AFTER_VALUED else []
        return (valued.where(*resumed).limit(_LIMIT),)
    valued = valued.where(column.is_not(None)).limit(_LIMIT)
    unvalued = (
        select(*item_table.c)
        .where(*scope, column.is_(None))
        .order_by(_directed(sort, item_id)[0])
        .limit(_LIMIT)
    )
    if resume is _Resume.START:
        return (unvalued, valued) if sort.descending else (valued, unvalued)
    if resume is _Resume.AFTER_UNVALUED:
        after_id = bindparam("after_id", type_=Uuid())
        beyond = item_id < after_id if sort.descending else item_id > after_id
        return (unvalued.where(beyond), *((valued,) if sort.descending else ()))
    return (valued.where(_beyond(sort, column)), *(() if sort.descending else (unvalued,)))


def _directed(sort: ItemSort, *columns: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    return [column.desc() if sort.descending else column.asc() for column in columns]


def _beyond(sort: ItemSort, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows strictly after the bound position on the valued segment: a row-value comparison."""
    row = tuple_(column, item_table.c.id)
    bound = tuple_(bindparam("after_value", type_=column.type), bindparam("after_id", type_=Uuid()))
    return row < bound if sort.descending else row > bound


def _ordering(
    sort: ItemSort, columns: ColumnCollection[str, Any]
) -> tuple[ColumnElement[object], ...]:
    """v1's order over the item table's columns, or over a page's (a subquery's) columns."""
    column = columns[sort.field]
    direction = column.desc() if sort.descending else column.asc()
    return direction.nulls_last(), columns["id"].asc()


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
