"""The embedded message queue: one process, asyncio tasks, the broker's semantics.

Each consumer name owns one inbox shared by all its subscriptions, served by its own
worker task(s), so a slow consumer never blocks `publish` or another consumer. Messages
travel JSON-encoded, as on a real broker: unserializable data fails at `publish`, and
no two consumers ever share one mutable `data` mapping. Nothing survives the process.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from core.adapters.messages_json import decode_message, encode_message
from core.interfaces.message_queue import Handler, Message, MessageQueue, OnDeadLetter

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0


@lru_cache(maxsize=4096)
def topic_matches(pattern: str, topic: str) -> bool:
    """Whether `topic` matches the AMQP topic `pattern` (`*` one word, `#` zero or more)."""
    return _match(tuple(pattern.split(".")), tuple(topic.split(".")))


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[skip:]) for skip in range(len(words) + 1))
    return bool(words) and head in {"*", words[0]} and _match(rest, words[1:])


def retry_delay(
    attempt: int, base_seconds: float, cap_seconds: float = MAX_BACKOFF_SECONDS
) -> float:
    """Seconds to wait before retry number `attempt` (1-based): doubling, capped."""
    return float(min(cap_seconds, base_seconds * 2 ** (attempt - 1)))


def report_dead_letter(hook: OnDeadLetter | None, consumer: str, message: Message | None) -> None:
    """Tell the hook, if any, of a dead letter; a failing hook never fails the delivery."""
    if hook is None:
        return
    try:
        hook(consumer, message)
    except Exception:
        logger.exception("the dead-letter hook failed for consumer %s", consumer)


@dataclass
class Subscriptions:
    """The handlers of one consumer; each message goes to exactly one handler that matches."""

    entries: list[tuple[str, Handler]] = field(default_factory=list)
    _turn: int = field(default=0, init=False, repr=False)

    def add(self, pattern: str, handler: Handler) -> None:
        """Add a handler for the topics that match `pattern`."""
        self.entries.append((pattern, handler))

    @property
    def patterns(self) -> list[str]:
        """The distinct patterns, in subscription order."""
        return list(dict.fromkeys(pattern for pattern, _ in self.entries))

    def matches(self, topic: str) -> bool:
        """Whether any subscription wants `topic`."""
        return any(topic_matches(pattern, topic) for pattern, _ in self.entries)

    def pick(self, topic: str) -> Handler | None:
        """A matching handler; several matching ones take turns, like competing consumers."""
        matching = [handler for pattern, handler in self.entries if topic_matches(pattern, topic)]
        if not matching:
            return None
        self._turn += 1
        return matching[self._turn % len(matching)]


@dataclass(frozen=True)
class _Delivery:
    payload: bytes
    failures: int = 0


@dataclass
class _Lane:
    """One inbox and its workers: a named consumer, or one broadcast subscription."""

    name: str
    durable: bool
    subscriptions: Subscriptions = field(default_factory=Subscriptions)
    inbox: asyncio.Queue[_Delivery] = field(default_factory=asyncio.Queue)
    dead: list[Message] = field(default_factory=list)
    workers: list[asyncio.Task[None]] = field(default_factory=list)


class InMemoryMessageQueue(MessageQueue):
    """The MessageQueue port inside one process: retries, dead letters, broadcast."""

    def __init__(
        self,
        *,
        max_retries: int = 5,
        retry_backoff_seconds: float = 0.5,
        max_backoff_seconds: float = MAX_BACKOFF_SECONDS,
        concurrency: int = 1,
        close_timeout_seconds: float = 10.0,
        on_dead_letter: OnDeadLetter | None = None,
    ) -> None:
        self._max_retries = max_retries
        self._backoff = retry_backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._concurrency = concurrency
        self._close_timeout = close_timeout_seconds
        self._on_dead_letter = on_dead_letter
        self._consumers: dict[str, _Lane] = {}
        self._broadcasts: list[_Lane] = []
        self._backlog: list[tuple[str, bytes]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._busy: set[asyncio.Task[Any] | None] = set()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._started = False
        self._closing = False

    async def publish(self, message: Message) -> None:
        """Route the message to every matching consumer; kept until `start` if not started."""
        if self._closing:
            raise RuntimeError("the message queue is closed")
        payload = encode_message(message)
        if self._started:
            self._route(message.type, payload)
        else:
            self._backlog.append((message.type, payload))
            self._count(+1)

    async def subscribe(self, pattern: str, consumer: str, handler: Handler) -> None:
        """Add `handler` to the consumer's shared inbox for topics matching `pattern`."""
        self._refuse_after_start()
        lane = self._consumers.setdefault(consumer, _Lane(consumer, durable=True))
        lane.subscriptions.add(pattern, handler)

    async def broadcast(self, pattern: str, handler: Handler) -> None:
        """Give `handler` every matching message, in its own inbox; failures are logged."""
        lane = _Lane(f"broadcast {pattern}", durable=False)
        lane.subscriptions.add(pattern, handler)
        self._broadcasts.append(lane)
        if self._started:
            lane.workers = [self._worker(lane)]

    async def start(self) -> None:
        """Start the workers, then deliver what was published before."""
        if self._started:
            return
        self._started = True
        for lane in self._lanes():
            lane.workers = [
                self._worker(lane) for _ in range(self._concurrency if lane.durable else 1)
            ]
        backlog, self._backlog = self._backlog, []
        for topic, payload in backlog:
            self._route(topic, payload)
            self._count(-1)

    async def drain(self) -> None:
        """Wait until every published message has been handled or dead-lettered."""
        await self._idle.wait()

    def dead_letters(self, consumer: str) -> list[Message]:
        """The messages `consumer` gave up on, oldest first."""
        lane = self._consumers.get(consumer)
        return list(lane.dead) if lane else []

    async def close(self) -> None:
        """Stop the workers, letting running handlers finish within the close timeout."""
        if self._closing:
            return
        self._closing = True
        for timer in self._timers:
            timer.cancel()
        workers = [worker for lane in self._lanes() for worker in lane.workers]
        for worker in workers:
            if worker not in self._busy:
                worker.cancel()
        if workers:
            _, late = await asyncio.wait(workers, timeout=self._close_timeout)
            for worker in late:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self._pending:
            logger.warning("in-memory queue closed with %d deliveries undone", self._pending)

    def _worker(self, lane: _Lane) -> asyncio.Task[None]:
        return asyncio.create_task(self._work(lane), name=f"memory-queue {lane.name}")

    def _refuse_after_start(self) -> None:
        if self._started:
            raise RuntimeError("subscribe before start")

    def _lanes(self) -> list[_Lane]:
        return [*self._consumers.values(), *self._broadcasts]

    def _route(self, topic: str, payload: bytes) -> None:
        for lane in self._lanes():
            if lane.subscriptions.matches(topic):
                self._count(+1)
                lane.inbox.put_nowait(_Delivery(payload))

    def _count(self, change: int) -> None:
        self._pending += change
        if self._pending:
            self._idle.clear()
        else:
            self._idle.set()

    async def _work(self, lane: _Lane) -> None:
        worker = asyncio.current_task()
        while not self._closing:
            delivery = await lane.inbox.get()
            # Close cancels idle workers only; a busy one finishes its message first.
            self._busy.add(worker)
            try:
                await self._deliver(lane, delivery)
            finally:
                self._busy.discard(worker)

    async def _deliver(self, lane: _Lane, delivery: _Delivery) -> None:
        message = decode_message(delivery.payload)
        handler = lane.subscriptions.pick(message.type)
        try:
            if handler is not None:
                await handler(message)
        except Exception:
            self._failed(lane, delivery, message)
        else:
            self._count(-1)

    def _failed(self, lane: _Lane, delivery: _Delivery, message: Message) -> None:
        failures = delivery.failures + 1
        if not lane.durable:
            logger.exception("%s failed on %s %s", lane.name, message.type, message.id)
        elif failures > self._max_retries:
            logger.exception(
                "consumer %s gave up on %s %s after %d attempts; dead-lettered",
                lane.name,
                message.type,
                message.id,
                failures,
            )
            lane.dead.append(message)
            report_dead_letter(self._on_dead_letter, lane.name, message)
        else:
            delay = retry_delay(failures, self._backoff, self._max_backoff)
            logger.warning(
                "consumer %s failed on %s %s; retry %d in %.2f s",
                lane.name,
                message.type,
                message.id,
                failures,
                delay,
                exc_info=True,
            )
            self._retry_later(lane, _Delivery(delivery.payload, failures), delay)
            return
        self._count(-1)

    def _retry_later(self, lane: _Lane, delivery: _Delivery, delay: float) -> None:
        # A timer, not a sleeping worker: the consumer keeps serving other messages.
        def fire() -> None:
            self._timers.discard(handle)
            lane.inbox.put_nowait(delivery)

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(handle)
