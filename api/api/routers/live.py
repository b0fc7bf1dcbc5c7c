"""`GET /api/v1/ws?token=...`: the caller's events, as JSON messages, while connected."""

from __future__ import annotations

import asyncio
import contextlib
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from api.live import LiveClient, LiveHub, wire_format
from core.errors import ServiceUnavailable, Unauthenticated
from core.security import Authenticator, Principal

router = APIRouter()

REQUIRED_SCOPE = "items:read"
# Re-check the token this often: an expired token or a disabled account ends the stream.
REAUTHENTICATE_SECONDS = 60.0


@router.websocket("/api/v1/ws")
async def live_updates(websocket: WebSocket, token: str = "") -> None:
    container = websocket.app.state.container
    authenticator: Authenticator = container.authenticator()
    principal = await _principal(authenticator, token)
    if principal is None:
        await websocket.accept()
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="invalid token")
        return
    hub: LiveHub = websocket.app.state.live_hub
    try:
        await hub.listen()
    except ServiceUnavailable:
        await websocket.accept()
        await websocket.close(code=status.WS_1013_TRY_AGAIN_LATER, reason="events unavailable")
        return
    # Subscribed before the handshake completes: the client misses nothing after it.
    client = hub.connect(str(principal.account_id))
    try:
        await websocket.accept()
        await _stream(websocket, client, authenticator, token)
    finally:
        hub.disconnect(client)


async def _principal(authenticator: Authenticator, token: str) -> Principal | None:
    """The token's principal when it is valid and may read items, else None."""
    try:
        principal = await authenticator.authenticate(token)
    except Unauthenticated:
        return None
    return principal if REQUIRED_SCOPE in principal.scopes else None


async def _stream(
    websocket: WebSocket, client: LiveClient, authenticator: Authenticator, token: str
) -> None:
    """Send the client's events until it leaves, falls behind, or its token stops working."""
    receiving = asyncio.create_task(_until_disconnect(websocket))
    overflow = asyncio.create_task(client.overflowed.wait())
    check_at = time.monotonic() + REAUTHENTICATE_SECONDS
    try:
        while not (receiving.done() or overflow.done()):
            # On a deadline, not on silence: a busy stream is re-checked as often as a quiet one.
            if time.monotonic() >= check_at:
                if await _principal(authenticator, token) is None:
                    await websocket.close(
                        code=status.WS_1008_POLICY_VIOLATION, reason="token expired"
                    )
                    return
                check_at = time.monotonic() + REAUTHENTICATE_SECONDS
            sending = asyncio.create_task(client.next())
            done, _ = await asyncio.wait(
                {sending, receiving, overflow},
                timeout=max(0.0, check_at - time.monotonic()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if sending in done:
                await websocket.send_json(wire_format(sending.result()))
                continue
            sending.cancel()
        if overflow.done():
            await websocket.close(code=status.WS_1013_TRY_AGAIN_LATER, reason="too slow")
    finally:
        for task in (receiving, overflow):
            task.cancel()


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it goes."""
    with contextlib.suppress(WebSocketDisconnect):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
