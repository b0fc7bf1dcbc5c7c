"""Idempotency-Key on POST: the first response under a key is kept and replayed to retries.

Like Stripe and the IETF httpapi idempotency-key draft. A key is scoped to its caller (a hash
of the Authorization header, else the client IP), the method and the path. The first request
claims the key atomically with `Cache.add`; duplicates wait for its response and replay it with
`Idempotent-Replayed: true`; the same key with another body is 422. Responses that a retry
should run again (5xx, 408, 425, 429, `Cache-Control: no-store`) are not kept: the claim is
released instead. A cache that cannot be reached turns the feature off for that request,
never the request itself.

A pure ASGI middleware: it buffers only the request body (already capped by the body-limit
guard, which runs before it) and the response of requests that carry a key. Upload routes
(`api.uploads.streams_body`) stream their body and ignore the key.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, field
from http import HTTPStatus

from fastapi import FastAPI, Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.uploads import streams_its_body
from core.interfaces.cache import Cache, CacheUnavailable

logger = logging.getLogger(__name__)

KEY_HEADER = b"idempotency-key"
REPLAYED_HEADER = (b"idempotent-replayed", b"true")
_VALID_KEY = re.compile(rb"[\x21-\x7e]{1,255}")
# Only headers that describe the stored result; per-request ones (cookies, request ids,
# rate-limit counters) must not be replayed to another request.
_KEPT_HEADERS = frozenset(
    {b"content-type", b"content-language", b"content-location", b"location", b"etag", b"link"}
)
# Transient refusals: a retry must run again rather than see them replayed for a day.
_TRANSIENT_STATUSES = frozenset({408, 425, 429})
_PROBLEM_TYPE = "urn:armature:problem:idempotency_key_"


@dataclass(frozen=True)
class IdempotencyConfig:
    """How long responses are kept, claims held and duplicates wait."""

    ttl_seconds: float = 86_400.0
    # Longer than any request may run (statement timeout 15 s), short enough that a crashed
    # worker's claim frees the key soon.
    lock_ttl_seconds: float = 30.0
    wait_seconds: float = 10.0
    first_poll_seconds: float = 0.01
    max_poll_seconds: float = 0.25


@dataclass(frozen=True)
class Record:
    """What the cache holds under a key: the body's fingerprint, then the response."""

    fingerprint: str
    status: int | None = None  # None while the first request runs
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""

    def encode(self) -> bytes:
        """JSON, with the body in base64."""
        return json.dumps(
            {
                "fingerprint": self.fingerprint,
                "status": self.status,
                "headers": [
                    [name.decode("latin-1"), v.decode("latin-1")] for name, v in self.headers
                ],
                "body": base64.b64encode(self.body).decode(),
            }
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Record:
        """The record; a value that is not one is treated like an unreachable cache."""
        try:
            data = json.loads(raw)
            headers = tuple((n.encode("latin-1"), v.encode("latin-1")) for n, v in data["headers"])
            return cls(data["fingerprint"], data["status"], headers, base64.b64decode(data["body"]))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise CacheUnavailable("the cache holds a malformed idempotency record") from exc


class Claim(enum.Enum):
    """The outcome of trying to claim a key that has no response to replay yet."""

    WON = "won"
    BUSY = "busy"


def install_idempotency(app: FastAPI, cache: Cache, *, ttl_seconds: float = 86_400.0) -> None:
    """Honour Idempotency-Key on POST; install before the hardening so the body limit runs first."""
    app.add_middleware(
        IdempotencyMiddleware, cache=cache, config=IdempotencyConfig(ttl_seconds=ttl_seconds)
    )


def valid_key(value: bytes) -> bool:
    """1 to 255 visible ASCII characters."""
    return _VALID_KEY.fullmatch(value) is not None


def cache_key(scope: Scope, key: bytes) -> str:
    """The key's cache entry, scoped to caller, method and path; the token is only hashed."""
    headers = Headers(scope=scope)
    authorization = headers.getlist("authorization")
    client = scope.get("client")
    caller = ["bearer", *authorization] if authorization else ["ip", client[0] if client else ""]
    parts = [*caller, scope["method"], scope["path"], key.decode("ascii")]
    return "idempotency:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()


class IdempotencyMiddleware:
    """Runs a POST once per Idempotency-Key and replays its response to every retry."""

    def __init__(self, app: ASGIApp, *, cache: Cache, config: IdempotencyConfig) -> None:
        self.app = app
        self.cache = cache
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        keys = [value for name, value in scope["headers"] if name == KEY_HEADER]
        if not keys or streams_its_body(scope):  # an upload is streamed, never buffered
            await self.app(scope, receive, send)
            return
        if len(keys) > 1 or not valid_key(keys[0]):
            detail = "Send one Idempotency-Key of 1 to 255 visible ASCII characters."
            await _problem(scope, receive, send, 400, detail, kind="invalid")
            return
        try:
            body = await _read_body(receive)
        except HTTPException as exc:  # the body-limit guard raises 413 while we read
            await _problem(scope, receive, send, exc.status_code, exc.detail, kind=None)
            return
        if body is not None:
            fingerprint = hashlib.sha256(body).hexdigest()
            await self._once(
                scope, _replaying(body, receive), send, cache_key(scope, keys[0]), fingerprint
            )

    async def _once(
        self, scope: Scope, receive: Receive, send: Send, key: str, fingerprint: str
    ) -> None:
        try:
            outcome = await self._claim_or_wait(key, fingerprint)
        except CacheUnavailable as exc:
            logger.warning("Idempotency-Key ignored, the cache is unavailable: %s", exc)
            await self.app(scope, receive, send)
            return
        if outcome is Claim.WON:
            await self._run(scope, receive, send, key, fingerprint)
        elif outcome is Claim.BUSY:
            detail = "A request with this Idempotency-Key is in progress; retry later."
            await _problem(scope, receive, send, 409, detail, kind="in_progress")
        elif outcome.fingerprint != fingerprint:
            detail = "This Idempotency-Key was used with another request body."
            await _problem(scope, receive, send, 422, detail, kind="reused")
        else:
            await _replay(send, outcome)

    async def _claim_or_wait(self, key: str, fingerprint: str) -> Record | Claim:
        """Claim the key, or wait (bounded, with backoff) for the first request's response."""
        claim = Record(fingerprint).encode()
        deadline = time.monotonic() + self.config.wait_seconds
        delay = self.config.first_poll_seconds
        while True:
            if await self.cache.add(key, claim, self.config.lock_ttl_seconds):
                return Claim.WON
            raw = await self.cache.get(key)
            record = Record.decode(raw) if raw is not None else None
            if record is not None and (
                record.status is not None or record.fingerprint != fingerprint
            ):
                return record
            if time.monotonic() >= deadline:
                return Claim.BUSY
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, self.config.max_poll_seconds)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, key: str, fingerprint: str
    ) -> None:
        """Run the request, keep its response (or free the key), then send the response."""
        response = _BufferedResponse()
        try:
            await self.app(scope, receive, response.send)
        except BaseException:
            await self._release(key)
            raise
        record = response.record(fingerprint)
        if record is None:
            await self._release(key)
        else:
            await self._keep(key, record)
        await response.send_to(send)

    async def _keep(self, key: str, record: Record) -> None:
        try:
            await self.cache.set(key, record.encode(), self.config.ttl_seconds)
        except CacheUnavailable as exc:
            logger.warning("Idempotency-Key response not kept, the cache is unavailable: %s", exc)

    async def _release(self, key: str) -> None:
        try:
            await self.cache.delete(key)
        except CacheUnavailable as exc:
            logger.warning("Idempotency-Key claim not released, the cache is unavailable: %s", exc)


@dataclass
class _BufferedResponse:
    """The app's response messages, held back until the record is kept."""

    messages: list[Message] = field(default_factory=list)

    async def send(self, message: Message) -> None:
        self.messages.append(message)

    def record(self, fingerprint: str) -> Record | None:
        """The response to keep, or None when a retry should run again (or there is none)."""
        start = next((m for m in self.messages if m["type"] == "http.response.start"), None)
        if start is None:
            return None
        status: int = start["status"]
        raw_headers: list[tuple[bytes, bytes]] = start.get("headers", [])
        no_store = "no-store" in Headers(raw=raw_headers).get("cache-control", "").lower()
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR or status in _TRANSIENT_STATUSES or no_store:
            return None
        headers = tuple((n, v) for n, v in raw_headers if n.lower() in _KEPT_HEADERS)
        chunks = (m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")
        return Record(fingerprint, status, headers, b"".join(chunks))

    async def send_to(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client went away."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the buffered body, then listens for a disconnect."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _replay(send: Send, record: Record) -> None:
    length = (b"content-length", str(len(record.body)).encode())
    headers = [*record.headers, length, REPLAYED_HEADER]
    await send({"type": "http.response.start", "status": record.status, "headers": headers})
    await send({"type": "http.response.body", "body": record.body})


async def _problem(
    scope: Scope, receive: Receive, send: Send, status: int, detail: str, *, kind: str | None
) -> None:
    problem_type = _PROBLEM_TYPE + kind if kind else "about:blank"
    response = problem(Request(scope), status, detail, type=problem_type)
    await response(scope, receive, send)
