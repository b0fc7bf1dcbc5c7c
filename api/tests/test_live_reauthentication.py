"""A live stream re-checks its token on a deadline, even while events keep it busy."""

import asyncio
from typing import Any

import pytest

from api.live import LiveClient
from api.routers import live
from core.errors import Unauthenticated
from core.interfaces import Message
from core.security import Principal


class RevokedAfterFirstCheck:
    """Accepts the token once (the handshake), then refuses it: it expired meanwhile."""

    async def authenticate(self, token: str) -> Principal:
        raise Unauthenticated("expired")


class BusySocket:
    """A client that never leaves and receives every event it is sent."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.closed_with: int | None = None

    async def receive(self) -> dict[str, str]:
        await asyncio.Event().wait()
        return {"type": "websocket.disconnect"}

    async def send_json(self, data: Any) -> None:
        self.sent.append(data)

    async def close(self, code: int, reason: str = "") -> None:
        self.closed_with = code


async def test_a_busy_stream_is_closed_once_its_token_stops_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "REAUTHENTICATE_SECONDS", 0.2)
    client = LiveClient("account", backlog=10_000)
    socket = BusySocket()

    async def flood() -> None:
        while True:  # an event every 20 ms: never 0.2 s of silence
            client.offer(Message(type="item.updated", data={}))
            await asyncio.sleep(0.02)

    feeding = asyncio.create_task(flood())
    try:
        await asyncio.wait_for(
            live._stream(socket, client, RevokedAfterFirstCheck(), "token"),  # type: ignore[arg-type]
            timeout=3,
        )
    finally:
        feeding.cancel()

    assert socket.closed_with == 1008
    assert socket.sent, "events flowed until the check"
