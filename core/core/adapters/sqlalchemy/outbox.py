"""The transactional outbox and the consumers' inbox, as tables on the shared metadata.

Events are written in the same transaction as the change that caused them, so a change
is never committed without its events, nor an event published for a rolled-back change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.adapters.sqlalchemy.metadata import metadata
from core.adapters.sqlalchemy.types import UTCDateTime
from core.interfaces.message_queue import Message
from core.tracing import with_trace_context

outbox_table = Table(
    "outbox_message",
    metadata,
    # Publication order; SQLite only autoincrements an INTEGER primary key.
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("audience", String(64), nullable=True),
    Column("data", JSON, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
)
# Only the backlog is indexed: published rows never slow down the relay's claim.
_unpublished = outbox_table.c.published_at.is_(None)
Index(
    "ix_outbox_message_unpublished",
    outbox_table.c.position,
    postgresql_where=_unpublished,
    sqlite_where=_unpublished,
)
# The published rows by age, for pruning them (core.adapters.sqlalchemy.retention).
_published = outbox_table.c.published_at.is_not(None)
Index(
    "ix_outbox_message_published_at",
    outbox_table.c.published_at,
    postgresql_where=_published,
    sqlite_where=_published,
)

_STORE = insert(outbox_table)

processed_message_table = Table(
    "processed_message",
    metadata,
    Column("consumer", String(200), nullable=False),
    Column("message_id", Uuid, nullable=False),
    Column("processed_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("consumer", "message_id"),
    Index("ix_processed_message_processed_at", "processed_at"),
)


async def store_events(session: AsyncSession, events: Sequence[Message]) -> None:
    """Add the events to the outbox within the session's transaction."""
    rows = [event_row(event) for event in events]
    if rows:
        # One event (the usual case) as a plain execution: executemany's batching costs more.
        await session.execute(_STORE, rows if len(rows) > 1 else rows[0])


def event_row(event: Message) -> dict[str, Any]:
    """The outbox row that stores `event`."""
    return {
        "id": event.id,
        "type": event.type,
        "audience": event.audience,
        "data": dict(event.data),
        # Stored while the change's own span is active: the event carries it to its consumers.
        "headers": with_trace_context(event.headers),
        "occurred_at": event.occurred_at,
    }


def message_from_row(row: Any) -> Message:
    """The message an outbox row holds."""
    return Message(
        id=row.id,
        type=row.type,
        data=row.data,
        occurred_at=row.occurred_at,
        audience=row.audience,
        headers=row.headers,
    )


async def record_delivery(
    session: AsyncSession, consumer: str, message_id: UUID, now: datetime
) -> bool:
    """Note that `consumer` handles the message; False when it already did (a redelivery).

    `ON CONFLICT DO NOTHING` instead of catching the unique violation, which would abort
    the whole PostgreSQL transaction.
    """
    connection = await session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(processed_message_table)
        .values(consumer=consumer, message_id=message_id, processed_at=now)
        .on_conflict_do_nothing()
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class FailedMessage:
    """An unpublished message the relay has tried and failed to publish."""

    position: int
    id: UUID
    type: str
    occurred_at: datetime
    attempts: int
    last_error: str


@dataclass(frozen=True)
class OutboxReport:
    """The outbox as an operator sees it: the backlog, and what the relay fails to publish.

    `failing` counts the unpublished messages with a failed attempt; `failures` holds the
    oldest of them with their last error.
    """

    unpublished: int
    published: int
    oldest_unpublished_at: datetime | None
    oldest_unpublished_age_seconds: float | None
    failing: int
    failures: tuple[FailedMessage, ...]


async def outbox_report(session: AsyncSession, *, now: datetime, shown: int = 5) -> OutboxReport:
    """Count the published and unpublished messages, and list the oldest failing ones."""
    failed = _unpublished & outbox_table.c.last_error.is_not(None)
    counts = select(
        func.count().filter(_unpublished),
        func.count().filter(outbox_table.c.published_at.is_not(None)),
        func.min(outbox_table.c.occurred_at).filter(_unpublished),
        func.count().filter(failed),
    )
    columns = ("position", "id", "type", "occurred_at", "attempts", "last_error")
    oldest_failures = (
        select(*(outbox_table.c[name] for name in columns))
        .where(failed)
        .order_by(outbox_table.c.position)
        .limit(shown)
    )
    unpublished, published, oldest, failing = (await session.execute(counts)).one()
    rows = (await session.execute(oldest_failures)).all()
    return OutboxReport(
        unpublished=unpublished,
        published=published,
        oldest_unpublished_at=oldest,
        oldest_unpublished_age_seconds=None if oldest is None else (now - oldest).total_seconds(),
        failing=failing,
        failures=tuple(FailedMessage(**row._mapping) for row in rows),
    )
