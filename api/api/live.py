"""Live updates: this process's WebSocket clients, each fed its own account's events.

An API process that holds a WebSocket receives every event through the queue's broadcast,
so a client sees its events whichever gunicorn worker holds its connection. It starts
listening with its first client: a process nobody streams from never pays for the events.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from core.interfaces import Message, MessageQueue

LIVE_EVENT_TYPES = ("item.*", "automation.run.finished")


class LiveClient:
    """One connection's bounded backlog; a client that falls too far behind is dropped."""

    def __init__(self, audience: str, backlog: int) -> None:
        self.audience = audience
        self._queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=backlog)
        self.overflowed = asyncio.Event()

    def offer(self, message: Message) -> None:
        """Queue the message without waiting: one slow reader never holds up the others."""
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed.set()

    async def next(self) -> Message:
        return await self._queue.get()

    @property
    def pending(self) -> int:
        """Events queued for this connection and not sent yet."""
        return self._queue.qsize()


class LiveHub:
    """Routes events to the clients of the account they belong to."""

    def __init__(self, backlog: int = 256, queue: Callable[[], MessageQueue] | None = None) -> None:
        self._backlog = backlog
        self._clients: defaultdict[str, set[LiveClient]] = defaultdict(set)
        self._queue = queue
        self._unheard = list(LIVE_EVENT_TYPES) if queue is not None else []
        self._listening = asyncio.Lock()

    async def listen(self) -> None:
        """Receive the live events from now on (once: later calls return at once).

        Raises the queue's ServiceUnavailable while the broker is away; the next call tries
        the patterns not listened to yet, so none is ever heard twice.
        """
        if not self._unheard or self._queue is None:
            return
        async with self._listening:
            while self._unheard:
                await self._queue().broadcast(self._unheard[0], self.dispatch)
                self._unheard.pop(0)

    def connect(self, audience: str) -> LiveClient:
        client = LiveClient(audience, self._backlog)
        self._clients[audience].add(client)
        return client

    def disconnect(self, client: LiveClient) -> None:
        clients = self._clients.get(client.audience)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self._clients[client.audience]

    @property
    def connections(self) -> int:
        return sum(len(clients) for clients in self._clients.values())

    async def dispatch(self, message: Message) -> None:
        """Offer the message to its audience's clients; events without one go nowhere."""
        if message.audience is None:
            return
        for client in tuple(self._clients.get(message.audience, ())):
            client.offer(message)


def wire_format(message: Message) -> dict[str, Any]:
    """What a WebSocket client receives for one event."""
    return {
        "id": str(message.id),
        "type": message.type,
        "occurred_at": message.occurred_at.isoformat(),
        "data": dict(message.data),
    }
