"""The outbox relay: publishes committed events in order, then marks them sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.adapters.sqlalchemy.outbox import message_from_row, outbox_table
from core.clock import Clock, utc_now
from core.interfaces import MessageQueue
from core.tracing import publishing

logger = logging.getLogger(__name__)

_UNPUBLISHED = outbox_table.c.published_at.is_(None)
_MAX_BACKOFF_SECONDS = 5.0


class RelayFailed(RuntimeError):
    """The queue refused a message; the rest of the batch waits for the next round."""


@dataclass(frozen=True)
class OutboxStatus:
    """How far the relay is behind."""

    pending: int
    oldest_pending_at: datetime | None
    published: int


class OutboxRelay:
    """Claims a batch of unpublished rows, publishes them, marks them published.

    Rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several relays share
    the backlog without publishing a row twice; SQLite's transactions are serialized
    anyway. A publish that fails leaves its row (and the rest of the batch) for the next
    round, so delivery is at least once and consumers deduplicate. A batch is published
    all at once: after a failure, rows behind it may have gone out too and will go again.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        queue: MessageQueue,
        *,
        batch_size: int = 100,
        poll_interval_seconds: float = 0.2,
        clock: Clock = utc_now,
    ) -> None:
        self._session_factory = session_factory
        self._queue = queue
        self._batch_size = batch_size
        self._poll_interval = poll_interval_seconds
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch; the number published. Raises when the queue refused one."""
        failure: BaseException | None = None
        async with self._session_factory() as session, session.begin():
            rows = (await session.execute(self._claim())).all()
            # All in flight at once, sent in order: the broker's confirms come back together
            # instead of one wait (and one wake-up) a message.
            outcomes = await asyncio.gather(*map(self._publish, rows), return_exceptions=True)
            published: list[int] = []
            for row, outcome in zip(rows, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    failure = outcome
                    await self._note_failure(session, row, outcome)
                    break
                published.append(row.position)
            await self._mark_published(session, published)
        if failure is not None:
            raise RelayFailed(f"published {len(published)} of {len(rows)}") from failure
        return len(published)

    async def _publish(self, row: Any) -> None:
        with publishing(message_from_row(row)) as message:
            await self._queue.publish(message)

    async def run(self) -> None:
        """Relay until cancelled, backing off while the queue is unreachable."""
        failures = 0
        while True:
            try:
                published = await self.relay_once()
                failures = 0
            except Exception as exc:  # a broker or database outage: keep relaying after it
                failures += 1
                logger.warning(
                    "outbox relay: %s (%d failures in a row): %r", exc, failures, exc.__cause__
                )
                await asyncio.sleep(min(self._poll_interval * 2**failures, _MAX_BACKOFF_SECONDS))
                continue
            if published < self._batch_size:
                await self._idle()

    async def status(self) -> OutboxStatus:
        """Pending and published counts, and the age of the oldest pending event."""
        pending_query = select(func.count(), func.min(outbox_table.c.occurred_at)).where(
            _UNPUBLISHED
        )
        published_query = select(func.count()).where(outbox_table.c.published_at.is_not(None))
        async with self._session_factory() as session:
            pending, oldest = (await session.execute(pending_query)).one()
            published = await session.scalar(published_query)
        return OutboxStatus(pending=pending, oldest_pending_at=oldest, published=published or 0)

    def _claim(self) -> Any:
        return (
            select(outbox_table)
            .where(_UNPUBLISHED)
            .order_by(outbox_table.c.position)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
        )

    async def _mark_published(self, session: AsyncSession, positions: list[int]) -> None:
        if positions:
            await session.execute(
                update(outbox_table)
                .where(outbox_table.c.position.in_(positions))
                .values(published_at=self._clock(), attempts=outbox_table.c.attempts + 1)
            )

    @staticmethod
    async def _note_failure(session: AsyncSession, row: Any, exc: BaseException) -> None:
        await session.execute(
            update(outbox_table)
            .where(outbox_table.c.position == row.position)
            .values(attempts=outbox_table.c.attempts + 1, last_error=repr(exc)[:1000])
        )

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)
        self._wake.clear()
