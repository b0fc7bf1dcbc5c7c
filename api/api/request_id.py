"""Every request gets an id, every log line of it carries the id, one access line ends it,
and the HTTP metrics count it (one timing serves both).

An incoming `X-Request-ID` (say, from nginx) is kept when it is a sane token, so a request can
be followed from the proxy to the database and into the worker; otherwise one is made.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid
from dataclasses import dataclass

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.typing import FilteringBoundLogger

from api.metrics import HTTP_IN_FLIGHT, observe_request
from api.raw_problems import send_problem
from api.routes import route_template

HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode()
# 8-128 letters, digits and `._:@-`: room for a UUID or nginx's $request_id, nothing that
# could split a log line or a header, and too long for nobody.
_SANE = re.compile(r"[A-Za-z0-9._:@-]{8,128}")
UNMATCHED_ROUTE = "<unmatched>"
UNEXPECTED_ERROR_DETAIL = "An unexpected error occurred; it has been logged."

ACCESS_LOGGER = "armature.access"
logger = logging.getLogger(__name__)


@dataclass
class _Outcome:
    """What the app answered, as seen on its way out."""

    status: int = 500
    bytes: int = 0
    started: bool = False


class RequestContext:
    """Pure ASGI middleware: the request id, the log context, and the access line.

    It also answers what nothing else caught: logged once here, where the request's context
    is still bound, and not re-raised, so the server does not log it a second time.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Bound once, when the app is built (after logging is configured), not per request.
        self._access_logger = structlog.get_logger(ACCESS_LOGGER).bind()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        request_id = _incoming(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        outcome = _Outcome()
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            _note(message, outcome, request_id)
            await send(message)

        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error on %s %s", _method(scope), _route(scope))
            await _answer_unexpected(scope, send_with_id, outcome, request_id)
        finally:
            HTTP_IN_FLIGHT.dec()
            self._finish(scope, outcome, time.perf_counter() - started)
            structlog.contextvars.clear_contextvars()

    def _finish(self, scope: Scope, outcome: _Outcome, seconds: float) -> None:
        route = _route(scope)
        if scope["type"] == "http":
            observe_request(scope["method"], route, outcome.status, seconds)
        _access_line(self._access_logger, scope, route, outcome, seconds)


def _incoming(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _HEADER_KEY:
            candidate = value.decode("latin-1")
            return candidate if _SANE.fullmatch(candidate) else None
    return None


def _note(message: Message, outcome: _Outcome, request_id: str) -> None:
    kind = message["type"]
    if kind in {"http.response.start", "websocket.accept"}:
        outcome.status = message.get("status", 101)
        outcome.started = True
        message["headers"] = [*message.get("headers", []), (_HEADER_KEY, request_id.encode())]
    elif kind == "websocket.http.response.start":
        outcome.status = message["status"]
        outcome.started = True
    elif kind in {"http.response.body", "websocket.http.response.body"}:
        outcome.bytes += len(message.get("body", b""))
    elif kind == "websocket.close" and not outcome.started:
        outcome.status = 403  # what the server answers a handshake closed before acceptance
        outcome.started = True


async def _answer_unexpected(scope: Scope, send: Send, outcome: _Outcome, request_id: str) -> None:
    """A 500 problem when nothing was sent yet; a WebSocket is closed with 1011."""
    if scope["type"] == "websocket":
        # The socket may be gone already: then there is nobody left to tell.
        with contextlib.suppress(OSError, RuntimeError):
            await send({"type": "websocket.close", "code": 1011})
        return
    if outcome.started:
        return  # half a response is out; the server closes the connection
    await send_problem(send, 500, UNEXPECTED_ERROR_DETAIL, request_id)


def _method(scope: Scope) -> str:
    method: str = scope.get("method", "WEBSOCKET")
    return method


def _route(scope: Scope) -> str:
    # The template, never the raw path: paths carry ids, and scanners' paths are unbounded.
    # An included router's WebSocket route answers as a per-include copy the lookup does not
    # know; that copy's own path_format is its full template.
    copy_template: str = getattr(scope.get("route"), "path_format", "")
    return route_template(scope) or copy_template or UNMATCHED_ROUTE


def _access_line(
    access_logger: FilteringBoundLogger, scope: Scope, route: str, outcome: _Outcome, seconds: float
) -> None:
    # scope["client"] is read after the app ran: the proxy-headers middleware inside has
    # replaced it by the address a trusted proxy forwarded for.
    client = scope.get("client")
    access_logger.info(
        "request",
        method=_method(scope),
        route=route,
        status=outcome.status,
        duration_ms=round(seconds * 1000, 2),
        bytes=outcome.bytes,
        client_ip=client[0] if client else None,
    )
