"""Retention: published outbox rows and consumers' delivery records go after a while.

Both tables grow with every event: a row per event in the outbox, a row per event and
consumer in `processed_message`. Neither row is needed for long. A published event stays
for its retention so that an operator can see what went out and when; a delivery record
only has to outlive any redelivery of its message, which comes within minutes (a
consumer's reconnection, the relay publishing again after a crash), so days of it are
ample. Unpublished events are never deleted, however old.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.adapters.sqlalchemy.outbox import outbox_table, processed_message_table
from core.clock import Clock, utc_now

logger = logging.getLogger(__name__)

PRUNE_INTERVAL_SECONDS = 300.0
# Rows deleted per transaction: short enough that no lock is held for long.
PRUNE_BATCH_SIZE = 5_000


@dataclass(frozen=True)
class Retention:
    """How long each kind of row is kept; None keeps it forever."""

    published_events: timedelta | None
    delivery_records: timedelta | None

    @classmethod
    def in_days(cls, published_events: float, delivery_records: float) -> Retention:
        """From settings in days, where 0 means forever."""
        return cls(_days(published_events), _days(delivery_records))


@dataclass(frozen=True)
class Pruned:
    """How many rows one pass deleted."""

    published_events: int
    delivery_records: int


class Pruner:
    """Deletes rows past their retention in batches; several pruners may run at once
    (PostgreSQL's `SKIP LOCKED` keeps them off each other's batches)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        retention: Retention,
        *,
        batch_size: int = PRUNE_BATCH_SIZE,
        clock: Clock = utc_now,
    ) -> None:
        self._session_factory = session_factory
        self._retention = retention
        self._batch_size = batch_size
        self._clock = clock

    async def prune_once(self) -> Pruned:
        """Delete every row past its retention now; how many of each went."""
        now, retention = self._clock(), self._retention
        return Pruned(
            published_events=await self._drain(
                outbox_table.c.published_at, retention.published_events, now
            ),
            delivery_records=await self._drain(
                processed_message_table.c.processed_at, retention.delivery_records, now
            ),
        )

    async def run(self, interval_seconds: float = PRUNE_INTERVAL_SECONDS) -> None:
        """Prune now and then every `interval_seconds`, until cancelled; a failed pass (the
        database away) is logged and tried again at the next."""
        while True:
            try:
                pruned = await self.prune_once()
            except Exception as exc:  # an outage must not end the pruning for good
                logger.warning("pruning the outbox failed (%r); trying again later", exc)
            else:
                if pruned.published_events or pruned.delivery_records:
                    logger.info(
                        "pruned %d published events and %d delivery records",
                        pruned.published_events,
                        pruned.delivery_records,
                    )
            await asyncio.sleep(interval_seconds)

    async def _drain(self, moment: Column[datetime], kept: timedelta | None, now: datetime) -> int:
        """Delete the rows whose `moment` is older than `kept`, a batch a transaction."""
        if kept is None:
            return 0
        statement = _batch_delete(moment.table, moment < now - kept, self._batch_size)
        total = 0
        while True:
            async with self._session_factory() as session, session.begin():
                deleted: int = getattr(await session.execute(statement), "rowcount", 0)
            total += deleted
            if deleted < self._batch_size:
                return total


def _batch_delete(table: Table, expired: ColumnElement[bool], batch_size: int) -> Any:
    """DELETE ... WHERE key IN (up to `batch_size` expired keys, locked rows skipped)."""
    key = tuple_(*table.primary_key.columns)
    batch = select(*table.primary_key.columns).where(expired).limit(batch_size)
    return delete(table).where(key.in_(batch.with_for_update(skip_locked=True)))


def _days(days: float) -> timedelta | None:
    return None if days <= 0 else timedelta(days=days)
