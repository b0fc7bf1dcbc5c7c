"""Live updates: this process's WebSocket clients, each fed its own account's events.

Every API process receives every event through the queue's broadcast, so a client sees
its events whichever gunicorn worker holds its connection.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from core.interfaces import Message

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

    def __init__(self, backlog: int = 256) -> None:
        self._backlog = backlog
        self._clients: defaultdict[str, set[LiveClient]] = defaultdict(set)

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
