"""Pruning: published events and delivery records go after their retention, nothing else."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.adapters.sqlalchemy import create_session_factory
from core.adapters.sqlalchemy.outbox import outbox_table, processed_message_table, store_events
from core.adapters.sqlalchemy.retention import Pruned, Pruner, Retention
from core.interfaces import Message

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
WEEK = Retention(published_events=timedelta(days=7), delivery_records=timedelta(days=7))


async def an_event(sessions: Sessions, published: timedelta | None, age: timedelta) -> UUID:
    """An event that occurred `age` ago and went out `published` ago (None: not yet)."""
    event = Message(type="thing.happened", data={}, occurred_at=NOW - age)
    async with sessions() as session, session.begin():
        await store_events(session, [event])
        if published is not None:
            mine = outbox_table.c.id == event.id
            await session.execute(
                update(outbox_table).where(mine).values(published_at=NOW - published)
            )
    return event.id


async def a_delivery(sessions: Sessions, age: timedelta, consumer: str = "a.consumer") -> UUID:
    message_id = uuid4()
    async with sessions() as session, session.begin():
        row = {"consumer": consumer, "message_id": message_id, "processed_at": NOW - age}
        await session.execute(insert(processed_message_table), row)
    return message_id


async def event_ids(sessions: Sessions) -> set[UUID]:
    async with sessions() as session:
        return set((await session.scalars(select(outbox_table.c.id))).all())


async def delivered_ids(sessions: Sessions) -> set[UUID]:
    async with sessions() as session:
        return set((await session.scalars(select(processed_message_table.c.message_id))).all())


def pruner(sessions: Sessions, retention: Retention = WEEK, batch_size: int = 100) -> Pruner:
    return Pruner(sessions, retention, batch_size=batch_size, clock=lambda: NOW)


async def test_only_what_went_out_before_the_retention_goes(session_factory: Sessions) -> None:
    old_sent = await an_event(session_factory, published=timedelta(days=8), age=timedelta(days=8))
    young_sent = await an_event(session_factory, timedelta(days=6), age=timedelta(days=9))
    never_sent = await an_event(session_factory, published=None, age=timedelta(days=30))
    old_delivery = await a_delivery(session_factory, age=timedelta(days=7, seconds=1))
    young_delivery = await a_delivery(session_factory, age=timedelta(days=6))

    pruned = await pruner(session_factory).prune_once()

    assert pruned == Pruned(published_events=1, delivery_records=1)
    remaining = await event_ids(session_factory)
    assert old_sent not in remaining
    assert {young_sent, never_sent} <= remaining, "unpublished events stay, however old"
    delivered = await delivered_ids(session_factory)
    assert old_delivery not in delivered
    assert young_delivery in delivered


async def test_batches_follow_each_other_until_nothing_is_left(session_factory: Sessions) -> None:
    sent = [await an_event(session_factory, timedelta(days=8), timedelta(days=8)) for _ in range(7)]
    deliveries = [
        await a_delivery(session_factory, timedelta(days=8), consumer=f"c{n % 2}") for n in range(5)
    ]

    pruned = await pruner(session_factory, batch_size=3).prune_once()

    assert pruned == Pruned(published_events=7, delivery_records=5)
    assert not set(sent) & await event_ids(session_factory)
    assert not set(deliveries) & await delivered_ids(session_factory)


async def test_zero_days_keeps_everything(session_factory: Sessions) -> None:
    sent = await an_event(session_factory, published=timedelta(days=400), age=timedelta(days=400))
    delivery = await a_delivery(session_factory, age=timedelta(days=400))

    pruned = await pruner(session_factory, Retention.in_days(0, 0)).prune_once()

    assert pruned == Pruned(published_events=0, delivery_records=0)
    assert sent in await event_ids(session_factory)
    assert delivery in await delivered_ids(session_factory)


def test_retention_in_days() -> None:
    assert Retention.in_days(7, 0.5) == Retention(timedelta(days=7), timedelta(hours=12))
    assert Retention.in_days(0, 3) == Retention(None, timedelta(days=3))


async def test_a_failed_pass_is_logged_and_the_next_one_runs(
    session_factory: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    sent = await an_event(session_factory, published=timedelta(days=8), age=timedelta(days=8))
    passes: list[str] = []
    second_pass = asyncio.Event()

    class FailingOnce(Pruner):
        async def prune_once(self) -> Pruned:
            passes.append("pass")
            if len(passes) == 1:
                raise ConnectionError("database away")
            pruned = await super().prune_once()
            second_pass.set()
            return pruned

    with caplog.at_level(logging.INFO, logger="core.adapters.sqlalchemy.retention"):
        running = asyncio.create_task(
            FailingOnce(session_factory, WEEK, clock=lambda: NOW).run(interval_seconds=0.01)
        )
        try:
            await asyncio.wait_for(second_pass.wait(), timeout=5)
        finally:
            running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running  # shutdown: the loop ends at cancellation
    assert "pruning the outbox failed (ConnectionError('database away'))" in caplog.text
    assert "pruned 1 published events and 0 delivery records" in caplog.text
    assert sent not in await event_ids(session_factory)


async def test_rows_another_pruner_holds_are_skipped_on_postgresql(
    postgres_engine: AsyncEngine,
) -> None:
    """A pass does not wait for rows locked elsewhere (another pruner's batch): it deletes the
    rest, and the held rows go in a later pass."""
    sessions = create_session_factory(postgres_engine)
    sent = [await an_event(sessions, timedelta(days=8), timedelta(days=8)) for _ in range(6)]
    held = outbox_table.c.id.in_(sent[:2])
    try:
        async with sessions() as other, other.begin():
            await other.execute(select(outbox_table.c.position).where(held).with_for_update())
            pruned = await asyncio.wait_for(pruner(sessions, batch_size=3).prune_once(), 5)
            assert pruned.published_events == 4
            assert await event_ids(sessions) & set(sent) == set(sent[:2])
        assert (await pruner(sessions).prune_once()).published_events == 2
    finally:
        async with sessions() as session, session.begin():
            await session.execute(outbox_table.delete().where(outbox_table.c.id.in_(sent)))
