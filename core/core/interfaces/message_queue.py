"""The message queue port: topics, durable consumers, at-least-once delivery."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from core.clock import utc_now


@dataclass(frozen=True)
class Message:
    """One event on the bus.

    `type` is the topic (`item.updated`); `id` is unique per event and is what consumers
    deduplicate on; `audience` is the account allowed to see the event (live updates
    filter on it); `headers` carry context such as the trace parent across processes.
    """

    type: str
    data: Mapping[str, Any]
    id: UUID = field(default_factory=uuid4)
    occurred_at: datetime = field(default_factory=utc_now)
    audience: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Message], Awaitable[None]]
# Told of each message a consumer gave up on: the consumer's name and the message (None
# when the body was not a message at all). Called inline, so it must be quick.
OnDeadLetter = Callable[[str, Message | None], None]


class MessageQueue(abc.ABC):
    """Publish to topics; consume with named, durable consumers.

    Delivery is at least once: a message is acknowledged only after its handler returns;
    a handler that raises is retried with backoff a bounded number of times, then the
    message goes to the consumer's dead-letter queue. Handlers must therefore be idempotent.
    """

    @abc.abstractmethod
    async def publish(self, message: Message) -> None:
        """Hand the message to the broker; returns once the broker has confirmed it."""

    @abc.abstractmethod
    async def subscribe(self, pattern: str, consumer: str, handler: Handler) -> None:
        """Deliver messages whose type matches `pattern` (`item.*`, `#`) to `handler`.

        Consumers with the same name share one durable queue and its messages; call before
        `start`.
        """

    @abc.abstractmethod
    async def broadcast(self, pattern: str, handler: Handler) -> None:
        """Deliver every matching message to this process too (live fan-out, no retries).

        Nothing is kept for a process that is not listening. Before `start` it takes effect
        with the start; after it, at once: it returns once matching messages flow here.
        """

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect and begin consuming."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop consuming, let running handlers finish, disconnect."""
