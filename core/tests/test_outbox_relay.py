"""The outbox relay publishes committed events in order, once, and survives a refusing queue."""

import os
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import aio_pika
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.adapters.memory_queue import InMemoryMessageQueue
from core.adapters.messages_json import decode_message
from core.adapters.rabbitmq import RabbitMessageQueue
from core.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from core.adapters.sqlalchemy.outbox import outbox_table, store_events
from core.adapters.sqlalchemy.relay import OutboxRelay, RelayFailed
from core.interfaces import Message, MessageQueue

Sessions = async_sessionmaker[AsyncSession]
START = datetime(2026, 1, 1, tzinfo=UTC)
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def events(count: int) -> list[Message]:
    return [
        Message(type="thing.happened", data={"n": n}, occurred_at=START + timedelta(seconds=n))
        for n in range(count)
    ]


async def committed(session_factory: Sessions, messages: list[Message]) -> None:
    async with session_factory() as session, session.begin():
        await store_events(session, messages)


class RefusingQueue(InMemoryMessageQueue):
    """Refuses every publish after the first `accept` ones, like a broker going away."""

    def __init__(self, accept: int) -> None:
        super().__init__()
        self.accepted: list[Message] = []
        self._accept = accept

    async def publish(self, message: Message) -> None:
        if len(self.accepted) >= self._accept:
            raise ConnectionError("broker unreachable")
        self.accepted.append(message)


class RecordingQueue(RefusingQueue):
    def __init__(self) -> None:
        super().__init__(accept=10**9)


def relay(session_factory: Sessions, queue: MessageQueue, batch_size: int = 100) -> OutboxRelay:
    return OutboxRelay(session_factory, queue, batch_size=batch_size)


async def test_publishes_in_commit_order_and_marks_everything_published(
    session_factory: Sessions,
) -> None:
    messages = events(5)
    await committed(session_factory, messages)
    queue = RecordingQueue()

    assert await relay(session_factory, queue).relay_once() == 5
    assert await relay(session_factory, queue).relay_once() == 0, "nothing is published twice"

    assert [m.id for m in queue.accepted] == [m.id for m in messages]
    assert queue.accepted[2].data == {"n": 2}
    assert queue.accepted[2].occurred_at == messages[2].occurred_at
    status = await relay(session_factory, queue).status()
    assert (status.pending, status.published) == (0, 5)


async def test_batches_follow_each_other_without_gaps(session_factory: Sessions) -> None:
    messages = events(7)
    await committed(session_factory, messages)
    queue = RecordingQueue()

    published = [await relay(session_factory, queue, batch_size=3).relay_once() for _ in range(4)]

    assert published == [3, 3, 1, 0]
    assert [m.id for m in queue.accepted] == [m.id for m in messages]


async def test_a_refused_publish_keeps_the_rest_for_later_and_notes_the_error(
    session_factory: Sessions,
) -> None:
    messages = events(4)
    await committed(session_factory, messages)

    with pytest.raises(RelayFailed, match="published 2 of 4"):
        await relay(session_factory, RefusingQueue(accept=2)).relay_once()

    status = await relay(session_factory, RecordingQueue()).status()
    assert status.pending == 2
    assert status.oldest_pending_at == messages[2].occurred_at
    async with session_factory() as session:
        failed = (
            await session.execute(select(outbox_table).where(outbox_table.c.id == messages[2].id))
        ).one()
    assert failed.attempts == 1
    assert "broker unreachable" in failed.last_error

    later = RecordingQueue()
    assert await relay(session_factory, later).relay_once() == 2
    assert [m.id for m in later.accepted] == [m.id for m in messages[2:]]


async def test_events_of_a_rolled_back_transaction_are_never_published(
    session_factory: Sessions,
) -> None:
    async with session_factory() as session:
        await session.begin()
        await store_events(session, events(1))
        await session.rollback()
    queue = RecordingQueue()

    assert await relay(session_factory, queue).relay_once() == 0


async def test_first_delivery_is_claimed_once_per_consumer(session_factory: Sessions) -> None:
    message_id = uuid4()
    async with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert await uow.first_delivery("a", message_id)
        await uow.commit()
    async with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert not await uow.first_delivery("a", message_id), "a redelivery"
        assert await uow.first_delivery("b", message_id), "another consumer"
    async with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert await uow.first_delivery("b", message_id), "b rolled back, so it is still new"


async def test_a_batch_reaches_rabbitmq_whole_and_in_commit_order(
    session_factory: Sessions,
) -> None:
    """The batch is published all at once; the broker must still get it in commit order."""
    messages = events(300)
    await committed(session_factory, messages)
    exchange = f"test-relay-{uuid4().hex[:12]}"
    queue = RabbitMessageQueue(RABBITMQ_URL, exchange)
    await queue.start()
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        channel = await connection.channel()
        heard = await channel.declare_queue(exclusive=True)
        await heard.bind(exchange, "#")

        assert await relay(session_factory, queue, batch_size=300).relay_once() == 300

        received: list[UUID] = []
        while len(received) < 300:
            incoming = await heard.get(no_ack=True, timeout=5)
            assert incoming is not None
            received.append(decode_message(incoming.body).id)
        assert received == [m.id for m in messages]
    finally:
        await queue.close()
        await channel.exchange_delete(exchange)
        await connection.close()
