"""HTTP hardening: security headers, CORS, trusted hosts and a streaming request-size limit.

Pure ASGI middlewares with headers computed once: this runs on every request.
"""

from __future__ import annotations

import hashlib
import re
from base64 import b64encode
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.raw_problems import request_id_of, send_problem
from api.routers.docs import DOCS_PATHS
from api.uploads import streams_its_body

Headers = list[tuple[bytes, bytes]]

_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_HSTS = "max-age=63072000; includeSubDomains"
_CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "X-Request-ID",
]
_CORS_EXPOSED = [
    "ETag",
    "Idempotent-Replayed",
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
]


@dataclass(frozen=True)
class HardeningConfig:
    hsts: bool = False
    cors_origins: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    max_body_bytes: int = 1_048_576
    docs_paths: frozenset[str] = field(default=DOCS_PATHS)


def install_hardening(app: FastAPI, config: HardeningConfig) -> None:
    """Add the protections; the last added runs first, so the size and host checks lead."""
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=_CORS_HEADERS,
            expose_headers=[*_CORS_EXPOSED, "RateLimit-Reset", "X-Request-ID"],
        )
    app.add_middleware(SecurityHeaders, hsts=config.hsts, docs_paths=config.docs_paths)
    app.add_middleware(
        RequestGuard, max_body_bytes=config.max_body_bytes, trusted_hosts=config.trusted_hosts
    )


def docs_csp() -> str:
    """The docs pages' policy: their own scripts, plus the one static inline redirect script."""
    page = bytes(get_swagger_ui_oauth2_redirect_html().body).decode()
    inline = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    hashes = " ".join(
        f"'sha256-{b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src blob:; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Adds the security headers to every response, with a docs-friendly CSP on the docs."""

    def __init__(self, app: ASGIApp, *, hsts: bool, docs_paths: frozenset[str]) -> None:
        self.app = app
        self.docs_paths = docs_paths
        common = {**_COMMON, **({"Strict-Transport-Security": _HSTS} if hsts else {})}
        self.api_headers = _encode({**common, "Content-Security-Policy": _API_CSP})
        self.docs_headers = _encode({**common, "Content-Security-Policy": docs_csp()})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if scope["path"] in self.docs_paths else self.api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(name, value) for name, value in extra if name not in present]
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds the limit of {limit} bytes.")


class RequestGuard:
    """Refuses unknown Host headers (400) and bodies over the limit (413) before the app reads them.

    A declared Content-Length is judged at once; a streamed body is counted as it arrives and
    cut off the moment it passes the limit, so it is never held in memory whole. Routes marked
    with `api.uploads.streams_body` enforce their own limit instead.
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, trusted_hosts: tuple[str, ...]
    ) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.hosts = trusted_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.hosts and not _host_allowed(
            headers.get(b"host", b"").decode("latin-1"), self.hosts
        ):
            await _problem(send, scope, 400, "The Host header names no host this server serves.")
            return
        if streams_its_body(scope):  # an upload route limits its own body as it streams
            await self.app(scope, receive, send)
            return
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            await _problem(send, scope, 413, BodyTooLarge(self.limit).detail)
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLarge(self.limit)
            return message

        return counted


def _host_allowed(host_header: str, allowed: tuple[str, ...]) -> bool:
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    return any(
        host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
        for pattern in allowed
    )


async def _problem(send: Send, scope: Scope, status: int, detail: str) -> None:
    await send_problem(send, status, detail, request_id_of(scope))


def _encode(headers: dict[str, str]) -> Headers:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]
