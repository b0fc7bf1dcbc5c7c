"""Headers for whatever response a request ends with, set before that response exists.

The rate limit counts a request before the route runs; its `RateLimit-*` headers belong on
the answer whichever it turns out to be: the route's return value, a response the route
builds itself (a page already JSON, a 304, a file), or the problem of an error raised after
the count (401, 403, 404, 422...). FastAPI copies the headers set on an injected `Response`
only onto the responses it builds from a return value; `PendingHeaders` adds these to any
response as it starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PENDING = "armature.response_headers"


def add_response_headers(scope: Scope, headers: Mapping[str, str]) -> None:
    """Send `headers` with the response this request ends with (through `PendingHeaders`,
    which `api.rate_limits.install_rate_limits` installs)."""
    pending = scope.setdefault("state", {}).setdefault(_PENDING, [])
    pending.extend(
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    )


class PendingHeaders:
    """Pure ASGI middleware: what `add_response_headers` was given goes out with the response.

    Anywhere in the stack: FastAPI's exception handlers answer inside every middleware. A
    header the response already has wins: a 429 from the login limits reports the login
    quota, not the route's counted before it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_pending(message: Message) -> None:
            if message["type"] == "http.response.start":
                pending = scope.get("state", {}).get(_PENDING)
                if pending:
                    message["headers"] = _merged(message.get("headers", ()), pending)
            await send(message)

        await self.app(scope, receive, send_with_pending)


def _merged(
    own: Iterable[tuple[bytes, bytes]], pending: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    headers = list(own)
    present = {name.lower() for name, _ in headers}
    headers.extend(header for header in pending if header[0] not in present)
    return headers
