"""A bench run leaves nothing on RabbitMQ: its exchange and its consumers' queues go."""

from uuid import uuid4

import aio_pika
from aio_pika.exceptions import ChannelNotFoundEntity
from bench.broker import RABBITMQ_URL, drop_exchange, queue_names

from core.adapters.rabbitmq import RabbitMessageQueue
from core.components import discover_components
from core.interfaces.message_queue import Message


async def _ignore(_message: Message) -> None:
    return None


async def _exists(kind: str, name: str) -> bool:
    """Whether the broker has it: a passive declare, on a channel of its own (a miss closes it)."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        try:
            if kind == "queue":
                await channel.declare_queue(name, passive=True)
            else:
                await channel.declare_exchange(name, passive=True)
        except ChannelNotFoundEntity:
            return False
    return True


async def test_drop_exchange_removes_what_a_stack_declared() -> None:
    exchange = f"armature-bench-test-{uuid4().hex[:8]}"
    stack_queue = RabbitMessageQueue(RABBITMQ_URL, exchange)
    for component in discover_components():
        for consumer in component.consumers:
            await stack_queue.subscribe(consumer.pattern, consumer.name, _ignore)
    await stack_queue.start()
    await stack_queue.close()
    names = queue_names(exchange)
    declared = [await _exists("queue", name) for name in names]

    await drop_exchange(exchange)

    assert names, "the installed components have consumers"
    assert all(declared), "the names are the ones the stack declares"
    assert [await _exists("queue", name) for name in names] == [False] * len(names)
    assert not await _exists("exchange", exchange)


async def test_drop_exchange_is_harmless_when_nothing_is_there() -> None:
    exchange = f"armature-bench-test-{uuid4().hex[:8]}"

    await drop_exchange(exchange)  # a run that never started its stack
    await drop_exchange(exchange)

    assert not await _exists("exchange", exchange)
