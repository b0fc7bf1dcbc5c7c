"""The run's own exchange on RabbitMQ, and the queues the stack declared on it, removed after.

Each run names an exchange of its own (`armature-bench-<pid>`); the worker declares a durable
queue, a dead-letter queue and retry queues per consumer under that name. Left behind, every
run (and every `make test`, through the smoke run) would add its set to the broker for good.
"""

from __future__ import annotations

import os

import aio_pika

from core.adapters.rabbitmq import RabbitMessageQueue
from core.components import discover_components

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def queue_names(exchange: str) -> list[str]:
    """Every durable queue the installed components' consumers declare on `exchange`."""
    # Named as the stack's own queue names them (bootstrap builds it with the same defaults).
    topology = RabbitMessageQueue(RABBITMQ_URL, exchange).topology
    return [
        name
        for component in discover_components()
        for consumer in component.consumers
        for name in topology.queue_names(consumer.name)
    ]


async def drop_exchange(exchange: str) -> None:
    """Delete the exchange and its consumers' queues; harmless when absent."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        for name in queue_names(exchange):
            await channel.queue_delete(name)
        await channel.exchange_delete(exchange)
