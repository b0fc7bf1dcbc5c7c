"""What happens to one delivery: run the handler, then ack, retry later or dead-letter."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, HeadersType
from aiormq.exceptions import AMQPError, ChannelInvalidStateError

from core.adapters.memory_queue import Subscriptions, report_dead_letter
from core.adapters.messages_json import MessageFormatError, decode_message
from core.adapters.rabbitmq.topology import ERROR_HEADER, FAILURES_HEADER, RabbitTopology
from core.interfaces.message_queue import Message, OnDeadLetter

logger = logging.getLogger(__name__)

# What the broker or a lost connection raise; anything else is a bug and propagates.
BROKER_ERRORS = (AMQPError, ChannelInvalidStateError, OSError, TimeoutError)
_MAX_ERROR_LENGTH = 1000


class BroadcastDeliveries:
    """Runs a broadcast handler on each delivery; failures are logged, never retried."""

    def __init__(self, subscriptions: Subscriptions) -> None:
        self._subscriptions = subscriptions

    async def handle(self, incoming: AbstractIncomingMessage) -> None:
        """Handle one delivery, then ack it whatever happened."""
        try:
            message = decode_message(incoming.body)
            handler = self._subscriptions.pick(message.type)
            if handler is not None:
                await handler(message)
        except Exception:
            logger.exception("broadcast handler failed on delivery %s", incoming.message_id)
        await settle(incoming)


class ConsumerDeliveries:
    """Runs a named consumer's handlers; acks only after success, else retries or parks."""

    def __init__(
        self,
        consumer: str,
        subscriptions: Subscriptions,
        topology: RabbitTopology,
        channel: AbstractRobustChannel,
        publish_timeout_seconds: float,
        *,
        on_dead_letter: OnDeadLetter | None = None,
    ) -> None:
        self._consumer = consumer
        self._subscriptions = subscriptions
        self._topology = topology
        self._channel = channel
        self._publish_timeout = publish_timeout_seconds
        self._on_dead_letter = on_dead_letter

    async def handle(self, incoming: AbstractIncomingMessage) -> None:
        """Handle one delivery to its end: acked, sent to retry, or dead-lettered."""
        try:
            message = decode_message(incoming.body)
        except MessageFormatError as exc:
            logger.error("consumer %s got a malformed message: %s", self._consumer, exc)
            if await self._forward(incoming, self._topology.dead_queue(self._consumer), exc, 1):
                report_dead_letter(self._on_dead_letter, self._consumer, None)
            return
        handler = self._subscriptions.pick(message.type)
        if handler is None:
            # A binding from an earlier deployment outlives its subscription.
            logger.warning("consumer %s has no handler for %s; dropped", self._consumer, message)
            await settle(incoming)
            return
        try:
            await handler(message)
        except Exception as exc:
            await self._failed(incoming, message, exc)
        else:
            await settle(incoming)

    async def _failed(
        self, incoming: AbstractIncomingMessage, message: Message, error: Exception
    ) -> None:
        failures = _failures(incoming) + 1
        if failures > self._topology.max_retries:
            logger.error(
                "consumer %s gave up on %s %s after %d attempts; dead-lettered",
                self._consumer,
                message.type,
                message.id,
                failures,
                exc_info=error,
            )
            dead_queue = self._topology.dead_queue(self._consumer)
            if await self._forward(incoming, dead_queue, error, failures):
                report_dead_letter(self._on_dead_letter, self._consumer, message)
            return
        delay = self._topology.retry_delay_seconds(failures)
        logger.warning(
            "consumer %s failed on %s %s; retry %d in %.2f s",
            self._consumer,
            message.type,
            message.id,
            failures,
            delay,
            exc_info=error,
        )
        target = self._topology.retry_queue(self._consumer, failures)
        await self._forward(incoming, target, error, failures, expiration=delay)

    async def _forward(
        self,
        incoming: AbstractIncomingMessage,
        queue: str,
        error: Exception,
        failures: int,
        *,
        expiration: float | None = None,
    ) -> bool:
        """Publish a copy to `queue` (confirmed), then ack the original; False if not moved."""
        copy = _copy(incoming, error, failures, expiration)
        try:
            async with asyncio.timeout(self._publish_timeout):
                await self._channel.default_exchange.publish(copy, queue, mandatory=False)
        except BROKER_ERRORS:
            # Unacked, the original comes back after a reconnect: nothing is lost.
            logger.exception(
                "consumer %s could not move %s to %s", self._consumer, incoming.message_id, queue
            )
            with suppress(*BROKER_ERRORS):
                await incoming.reject(requeue=True)
            return False
        await settle(incoming)
        return True


async def settle(incoming: AbstractIncomingMessage) -> None:
    """Ack; a lost ack only means the broker will deliver the message again."""
    try:
        await incoming.ack()
    except BROKER_ERRORS:
        logger.warning("could not ack delivery %s; it will be redelivered", incoming.message_id)


def _failures(incoming: AbstractIncomingMessage) -> int:
    value = incoming.headers.get(FAILURES_HEADER, 0)
    return value if isinstance(value, int) else 0


def _copy(
    incoming: AbstractIncomingMessage, error: Exception, failures: int, expiration: float | None
) -> aio_pika.Message:
    # The broker's own x-death bookkeeping stays behind; only ours travels on.
    headers: HeadersType = {
        key: value for key, value in incoming.headers.items() if not key.startswith("x-")
    }
    headers[FAILURES_HEADER] = failures
    headers[ERROR_HEADER] = f"{type(error).__name__}: {error}"[:_MAX_ERROR_LENGTH]
    return aio_pika.Message(
        incoming.body,
        headers=headers,
        content_type=incoming.content_type,
        content_encoding=incoming.content_encoding,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=incoming.message_id,
        type=incoming.type,
        timestamp=incoming.timestamp,
        expiration=expiration,
    )
