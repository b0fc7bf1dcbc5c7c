"""A unit of work that only adds rows, written with its events in one PostgreSQL statement.

The usual create is two INSERTs (the aggregate, its outbox row) between a BEGIN and a
COMMIT: four round trips, each a wake-up of the database and of the app, plus the ORM's
flush. PostgreSQL runs data-modifying CTEs and the statement around them as one atomic
statement, so `WITH r0 AS (INSERT INTO item ...) INSERT INTO outbox_message ...` writes
both or neither, in autocommit: one round trip. Only plain mappings qualify (one table,
column attributes only, every column set on the instance, no foreign keys, no column
defaults, no mapper or flush listeners); anything else goes through the ORM's flush as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert
from sqlalchemy.orm import ColumnProperty, Mapper, Session, object_mapper
from sqlalchemy.orm.exc import UnmappedInstanceError

from core.adapters.sqlalchemy.outbox import event_row, outbox_table
from core.interfaces.message_queue import Message

# A unit adding more rows than this is a batch: the ORM's executemany serves it better.
_MAX_ROWS = 8
_FLUSH_EVENTS = ("before_flush", "after_flush", "after_flush_postexec")


@dataclass(frozen=True)
class _Plain:
    """How a qualifying mapper's instance becomes a row: (column key, attribute key) pairs."""

    table: Table
    columns: tuple[tuple[str, str], ...]

    @property
    def column_keys(self) -> list[str]:
        return [column for column, _ in self.columns]


@dataclass(frozen=True)
class PlannedInserts:
    """The rows a unit adds and the event it records, as one statement's parameters."""

    rows: tuple[tuple[_Plain, dict[str, Any]], ...]
    event: dict[str, Any] | None

    def statement(self) -> tuple[Insert, dict[str, Any]]:
        """The one statement and its parameters."""
        event_keys = tuple(self.event) if self.event is not None else ()
        shape = (tuple(plain for plain, _ in self.rows), event_keys)
        params: dict[str, Any] = {}
        for index, (_, row) in enumerate(self.rows):
            params.update({f"r{index}_{key}": value for key, value in row.items()})
        if self.event is not None:
            params.update({f"e_{key}": value for key, value in self.event.items()})
        return _statement(*shape), params


def plan_inserts(session: Session, events: Sequence[Message]) -> PlannedInserts | None:
    """The unit's writes as plain inserts, or None when the ORM's flush must write them."""
    if session.identity_map or session.deleted or _listens_to_flushes(session):
        return None
    rows = []
    for instance in session.new:
        plain = _plain_mapping_of(instance)
        if plain is None:
            return None
        values = instance.__dict__
        if any(attribute not in values for _, attribute in plain.columns):
            return None
        rows.append((plain, {column: values[attribute] for column, attribute in plain.columns}))
    if not rows or len(rows) > _MAX_ROWS or len(events) > 1:
        # Several events need their order (one multi-row INSERT), which SQLAlchemy does
        # not cache: compiling it each time would cost more than the round trips saved.
        return None
    return PlannedInserts(tuple(rows), event_row(events[0]) if events else None)


def _listens_to_flushes(session: Session) -> bool:
    # No flush writes these rows: a listener on one would never hear of them.
    return any(getattr(session.dispatch, name) for name in _FLUSH_EVENTS)


def _plain_mapping_of(instance: object) -> _Plain | None:
    try:
        mapper = object_mapper(instance)
    except UnmappedInstanceError:
        return None
    return _plain(mapper)


@cache
def _plain(mapper: Mapper[Any]) -> _Plain | None:
    """Once per mapper: does it qualify, and which attribute fills which column."""
    table = mapper.local_table
    if (
        not isinstance(table, Table)
        or mapper.inherits is not None
        or mapper.relationships
        or (mapper.version_id_col is not None and mapper.version_id_generator is not False)
        or mapper.dispatch.before_insert
        or mapper.dispatch.after_insert
        # The ORM orders inserts by foreign key and leaves a defaulted column to its default
        # when the value is None; sibling CTEs have no order, and the values go as they are.
        or table.foreign_keys
        or any(c.default is not None or c.server_default is not None for c in table.columns)
    ):
        return None
    columns = []
    for column in table.columns:
        prop = mapper.get_property_by_column(column)
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
            return None
        columns.append((column.key, prop.key))
    return _Plain(table, tuple(columns))


@lru_cache(maxsize=64)
def _statement(plains: tuple[_Plain, ...], event_keys: tuple[str, ...]) -> Insert:
    """Built once per shape, so SQLAlchemy's compiled cache serves it; values bound at execution."""
    inserts = [
        insert(plain.table).values(_binds(plain.table, plain.column_keys, f"r{index}"))
        for index, plain in enumerate(plains)
    ]
    if event_keys:
        main = insert(outbox_table).values(_binds(outbox_table, event_keys, "e"))
    else:
        main = inserts.pop()
    return main.add_cte(*(row.cte(f"r{index}") for index, row in enumerate(inserts)))


def _binds(table: Table, keys: Sequence[str], prefix: str) -> dict[str, Any]:
    # Typed as their columns: each value goes through its column type's processing.
    return {key: bindparam(f"{prefix}_{key}", type_=table.c[key].type) for key in keys}
