"""RabbitMessageQueue: the MessageQueue port on RabbitMQ through aio-pika's robust connection."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import aio_pika
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
    HeadersType,
)

from core.adapters.memory_queue import Subscriptions
from core.adapters.messages_json import encode_message
from core.adapters.rabbitmq.deliveries import (
    BROKER_ERRORS,
    BroadcastDeliveries,
    ConsumerDeliveries,
)
from core.adapters.rabbitmq.topology import RabbitTopology, declare_consumer
from core.errors import ServiceUnavailable
from core.interfaces.message_queue import Handler, Message, MessageQueue, OnDeadLetter

logger = logging.getLogger(__name__)

OnMessage = Callable[[AbstractIncomingMessage], Awaitable[None]]


class MessageQueueUnavailable(ServiceUnavailable):
    """RabbitMQ cannot be reached, or did not confirm a message in time."""

    code = "message_queue_unavailable"


class RabbitMessageQueue(MessageQueue):
    """Durable topic messaging on RabbitMQ; survives broker restarts and network cuts."""

    def __init__(
        self,
        url: str,
        exchange: str = "armature",
        prefetch: int = 16,
        max_retries: int = 5,
        retry_backoff_seconds: float = 0.5,
        *,
        max_backoff_seconds: float = 30.0,
        publish_timeout_seconds: float = 10.0,
        connect_timeout_seconds: float = 10.0,
        close_timeout_seconds: float = 10.0,
        reconnect_interval_seconds: float = 2.0,
        on_dead_letter: OnDeadLetter | None = None,
    ) -> None:
        self.topology = RabbitTopology(
            exchange, max_retries, retry_backoff_seconds, max_backoff_seconds
        )
        self._url = url
        self._prefetch = prefetch
        self._publish_timeout = publish_timeout_seconds
        self._connect_timeout = connect_timeout_seconds
        self._close_timeout = close_timeout_seconds
        self._reconnect_interval = reconnect_interval_seconds
        self._on_dead_letter = on_dead_letter
        self._consumers: dict[str, Subscriptions] = {}
        self._broadcasts: list[Subscriptions] = []
        self._connection: AbstractRobustConnection | None = None
        self._link: tuple[AbstractRobustChannel, AbstractExchange] | None = None
        self._connect_lock = asyncio.Lock()
        self._consuming: list[tuple[AbstractQueue, str]] = []
        self._declared_early: set[tuple[str, tuple[str, ...]]] = set()
        self._in_flight: set[asyncio.Task[Any] | None] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._started = False
        self._closing = False

    @property
    def in_flight(self) -> int:
        """How many deliveries are being handled right now (not yet acked or moved)."""
        return len(self._in_flight)

    async def wait_idle(self) -> None:
        """Wait until no delivery is being handled; their acks have then been sent."""
        await self._idle.wait()

    async def publish(self, message: Message) -> None:
        """Publish persistently; returns once RabbitMQ confirmed, else MessageQueueUnavailable."""
        body = encode_message(message)
        channel, exchange = await self._connected()
        try:
            # A robust channel waits for the reconnection; the timeout bounds that wait.
            async with asyncio.timeout(self._publish_timeout):
                if not self._started:
                    await self._declare_early(channel)
                await exchange.publish(_outgoing(message, body), message.type, mandatory=False)
        except TimeoutError as exc:
            detail = f"RabbitMQ did not confirm message {message.id} in {self._publish_timeout} s"
            raise MessageQueueUnavailable(detail) from exc
        except BROKER_ERRORS as exc:
            detail = f"RabbitMQ is unreachable; message {message.id} not published ({exc!r})"
            raise MessageQueueUnavailable(detail) from exc

    async def subscribe(self, pattern: str, consumer: str, handler: Handler) -> None:
        """Bind the consumer's durable queue to `pattern`; its handlers share the queue."""
        self._refuse_after_start()
        self._consumers.setdefault(consumer, Subscriptions()).add(pattern, handler)

    async def broadcast(self, pattern: str, handler: Handler) -> None:
        """Give this process every matching message while it runs; no retries.

        After `start` the queue is declared and bound at once; MessageQueueUnavailable when
        RabbitMQ does not answer within the connect timeout.
        """
        subscriptions = Subscriptions()
        subscriptions.add(pattern, handler)
        if self._started:
            channel, _ = await self._connected()
            try:
                async with asyncio.timeout(self._connect_timeout):
                    await self._consume_broadcast(channel, subscriptions)
            except BROKER_ERRORS as exc:
                raise MessageQueueUnavailable(f"cannot listen on RabbitMQ ({exc!r})") from exc
        self._broadcasts.append(subscriptions)

    async def start(self) -> None:
        """Connect, declare the topology and start consuming."""
        if self._started:
            return
        channel, _ = await self._connected()
        try:
            for consumer in self._consumers:
                await self._consume(channel, consumer)
            for subscriptions in self._broadcasts:
                await self._consume_broadcast(channel, subscriptions)
        except BROKER_ERRORS as exc:
            detail = f"could not set up consumers on RabbitMQ ({exc!r})"
            raise MessageQueueUnavailable(detail) from exc
        self._started = True

    async def close(self) -> None:
        """Cancel the consumers, let running handlers finish (bounded), disconnect."""
        if self._closing:
            return
        self._closing = True
        for queue, tag in self._consuming:
            try:
                async with asyncio.timeout(self._close_timeout):
                    await queue.cancel(tag)
            except BROKER_ERRORS:
                logger.warning("could not cancel consumer %s on %s", tag, queue.name)
        running = {task for task in self._in_flight if task is not None}
        if running:
            _, late = await asyncio.wait(running, timeout=self._close_timeout)
            if late:
                logger.warning("closing RabbitMQ with %d handlers still running", len(late))
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._link = None

    def _refuse_after_start(self) -> None:
        if self._started:
            raise RuntimeError("subscribe before start")

    async def _connected(self) -> tuple[AbstractRobustChannel, AbstractExchange]:
        if self._closing:
            raise RuntimeError("the message queue is closed")
        async with self._connect_lock:
            if self._link is None:
                self._link = await self._connect()
            return self._link

    async def _connect(self) -> tuple[AbstractRobustChannel, AbstractExchange]:
        try:
            connection = await aio_pika.connect_robust(
                self._url,
                timeout=self._connect_timeout,
                reconnect_interval=self._reconnect_interval,
            )
        except BROKER_ERRORS as exc:
            # The URL carries the password: name only the host in the error.
            where = f"{urlsplit(self._url).hostname}:{urlsplit(self._url).port or 5672}"
            detail = f"cannot connect to RabbitMQ at {where} ({type(exc).__name__})"
            raise MessageQueueUnavailable(detail) from exc
        try:
            channel = await _open_channel(connection, self._prefetch)
            exchange = await channel.declare_exchange(
                self.topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
        except BROKER_ERRORS as exc:
            await connection.close()
            raise MessageQueueUnavailable(f"cannot open a RabbitMQ channel ({exc})") from exc
        self._connection = connection
        return channel, exchange

    async def _declare_early(self, channel: AbstractRobustChannel) -> None:
        # Published before start, a message must still wait in our consumers' queues.
        # Not robust: start declares them again, for good.
        for consumer, subscriptions in self._consumers.items():
            key = (consumer, tuple(subscriptions.patterns))
            if key not in self._declared_early:
                await declare_consumer(
                    channel, self.topology, consumer, subscriptions.patterns, robust=False
                )
                self._declared_early.add(key)

    async def _consume(self, channel: AbstractRobustChannel, consumer: str) -> None:
        subscriptions = self._consumers[consumer]
        queue = await declare_consumer(channel, self.topology, consumer, subscriptions.patterns)
        deliveries = ConsumerDeliveries(
            consumer,
            subscriptions,
            self.topology,
            channel,
            self._publish_timeout,
            on_dead_letter=self._on_dead_letter,
        )
        tag = await queue.consume(self._tracked(deliveries.handle))
        self._consuming.append((queue, tag))

    async def _consume_broadcast(
        self, channel: AbstractRobustChannel, subscriptions: Subscriptions
    ) -> None:
        # aio-pika names it client-side, so the robust channel can declare it again after
        # a reconnect; the broker deletes it with the connection.
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for pattern in subscriptions.patterns:
            await queue.bind(self.topology.exchange, routing_key=pattern)
        tag = await queue.consume(self._tracked(BroadcastDeliveries(subscriptions).handle))
        self._consuming.append((queue, tag))

    def _tracked(self, handle: OnMessage) -> OnMessage:
        # aio-pika runs each delivery in its own task: up to `prefetch` at once per consumer.
        async def on_message(incoming: AbstractIncomingMessage) -> None:
            if self._closing:
                with suppress(*BROKER_ERRORS):
                    await incoming.reject(requeue=True)
                return
            task = asyncio.current_task()
            self._in_flight.add(task)
            self._idle.clear()
            try:
                await handle(incoming)
            finally:
                self._in_flight.discard(task)
                if not self._in_flight:
                    self._idle.set()

        return on_message


async def _open_channel(
    connection: AbstractRobustConnection, prefetch: int
) -> AbstractRobustChannel:
    # One channel for publishing and consuming: the broker handles a channel's frames in
    # order, so a confirmed publish also proves the acks sent before it were processed.
    channel = await connection.channel(publisher_confirms=True)
    await channel.set_qos(prefetch_count=prefetch)
    return channel


def _outgoing(message: Message, body: bytes) -> aio_pika.Message:
    headers: HeadersType = dict(message.headers)
    return aio_pika.Message(
        body,
        headers=headers,
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=str(message.id),
        type=message.type,
        timestamp=message.occurred_at,
    )
