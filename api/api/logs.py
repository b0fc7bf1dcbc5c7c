"""One log configuration for every logger of a process: JSON lines or a readable console.

structlog renders both our own events and the standard library's (uvicorn, gunicorn,
SQLAlchemy, aio-pika, warnings), so no line escapes the format; every line carries the
request's context (request id, account, trace) and passes through redaction first.

Servers must not install their own configuration over this one: uvicorn's CLI applies its
`log_config` before it calls the `create_app` factory, which then replaces it (programmatic
`uvicorn.run(...)` should pass `log_config=None`); gunicorn takes `gunicorn_logconfig_dict()`
as its `logconfig_dict`, and its uvicorn workers pass `log_config=None` themselves.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, TextIO

import structlog
from opentelemetry import trace

from api.process import process_id

LogFormat = Literal["json", "console"]

# Loggers that bring their own handlers: theirs go, ours (on the root) render everything.
_SERVER_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "gunicorn.error",
    "gunicorn.access",
)
# The app writes one access line per request itself; the servers' own would be a second.
_SILENCED = ("uvicorn.access", "gunicorn.access")
_SENSITIVE_KEY = re.compile(
    r"authorization|cookie|passw|secret|token|api[_-]?key|refresh|credential", re.IGNORECASE
)
# Words that make a name sensitive: one list for the names and for the prefilter below.
_SENSITIVE_WORDS = r"passw|secret|token|api[_-]?key|refresh"
# `\w` rather than a class with `-`: one word is one start, so the scan stays linear.
_NAME = rf"\w*(?:{_SENSITIVE_WORDS})\w*"
_QUOTED = r"""(?:"[^"\n]*"|'[^'\n]*')"""
_SENSITIVE_TEXT = (
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[redacted-jwt]"),
    # password='x', "token": "y" (reprs, JSON)
    (re.compile(rf"""(?i)\b({_NAME}["']?\s*[:=]\s*){_QUOTED}"""), r"\1'[redacted]'"),
    # password=x&token=y (queries, forms), up to the next separator
    (re.compile(rf"""(?i)\b({_NAME})=(?!['"])[^&\s;,]+"""), r"\1=[redacted]"),
    # scheme://user:password@host (connection strings)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s]*):[^@/\s]+@"), r"\1:[redacted]@"),
    # A pydantic ValidationError names the field on one line and echoes the input on the next.
    (
        re.compile(rf"(?i)\b({_NAME}[^\n]*\n[^\n]*?input_value=)(?:{_QUOTED}|[^,\]\n]*)"),
        r"\1'[redacted]'",
    ),
    (re.compile(r"(?im)\b((?:set-)?cookie:[ \t]*)\S[^\n]*"), r"\1[redacted]"),
)
# Each pattern of _SENSITIVE_TEXT contains one of these; text without any is left as it is.
_MAYBE_SENSITIVE = re.compile(rf"(?i)bearer|eyJ|{_SENSITIVE_WORDS}|://|cookie")
REDACTED = "[redacted]"
_REMEMBERED_KEY_LENGTH = 64


class _NoServerWebSocketLines(logging.Filter):
    """Drops uvicorn's WebSocket handshake lines: a second access line, with the raw query."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith('%s - "WebSocket %s"'))


def configure_logging(
    log_format: LogFormat, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Render every logger of the process through structlog's processors; safe to call again.

    Lines go to `stream` (standard error by default). Call it before building the app: the
    app binds its access logger when it is built, and structlog's own loggers keep the
    stream and the level they were bound with.
    """
    shared = _shared_processors()
    stream = stream or sys.stderr
    # Our own events (the access line, once a request) render and write straight to the
    # stream: a detour through the standard library's records and handler lock costs more
    # than the rendering itself. The two writers lock apart; each line is one write.
    structlog.configure(
        processors=[*shared, _renderer(log_format)],
        logger_factory=_NamedWriteLoggerFactory(stream),
        wrapper_class=structlog.make_filtering_bound_logger(level.lower()),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_formatter(log_format, shared))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    for name in _SILENCED:
        logging.getLogger(name).disabled = True
    _filter_server_websocket_lines(logging.getLogger("uvicorn.error"))
    # Warnings would otherwise be printed to stderr as bare text.
    logging.captureWarnings(True)


def _filter_server_websocket_lines(logger: logging.Logger) -> None:
    for existing in [f for f in logger.filters if isinstance(f, _NoServerWebSocketLines)]:
        logger.removeFilter(existing)
    logger.addFilter(_NoServerWebSocketLines())


def gunicorn_logconfig_dict(log_format: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """A `logconfig_dict` for gunicorn that hands its loggers to the same configuration.

    It covers gunicorn's master; each worker's `create_app()` then calls `configure_logging`.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": _formatter, "log_format": log_format, "shared": None}},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "structured"},
        },
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            "gunicorn.error": {"handlers": [], "propagate": True},
            "gunicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
        },
    }


class _NamedWriteLogger(structlog.WriteLogger):
    """A WriteLogger that knows its name, as `add_logger_name` asks of every logger."""

    def __init__(self, file: TextIO, name: str) -> None:
        super().__init__(file)
        self.name = name

    def __deepcopy__(self, memodict: dict[str, object]) -> _NamedWriteLogger:
        # WriteLogger's own copies only sys.stdout's and sys.stderr's, and drops the name.
        return _NamedWriteLogger(self._file, self.name)


@dataclass(frozen=True)
class _NamedWriteLoggerFactory:
    file: TextIO

    def __call__(self, name: str = "armature", *_: Any) -> _NamedWriteLogger:
        return _NamedWriteLogger(self.file, name)


def _formatter(
    log_format: LogFormat, shared: list[Any] | None
) -> structlog.stdlib.ProcessorFormatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared if shared is not None else _shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _renderer(log_format),
        ],
    )


def _renderer(log_format: LogFormat) -> Any:
    if log_format == "json":
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(colors=True)


def _shared_processors() -> list[Any]:
    # Exceptions are rendered to text before redaction, so tracebacks are scrubbed too. What
    # the processors add after it (names, level, time, ids) is ours: nothing to scan.
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.format_exc_info,
        redact,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_process,
        add_trace_context,
    ]


def add_process(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Which of gunicorn's workers wrote the line. structlog's callsite adder would walk
    up the stack on every line, though the pid is all it is asked for."""
    event["process"] = process_id()
    return event


def add_trace_context(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The current span's ids, when tracing is on and a span is recording."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


def redact(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Mask credentials by key at any depth, and bearer tokens, JWTs and secrets in text."""
    for key, value in list(event.items()):
        event[key] = _redacted(key, value)
    return event


def _redacted(key: object, value: Any) -> Any:
    if isinstance(key, str) and _sensitive_key(key):
        return REDACTED if value not in (None, "") else value
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, Mapping):
        return {k: _redacted(k, v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return _redacted_items(value)
    return value


def _sensitive_key(key: str) -> bool:
    # Every line passes the same few names: remembered rather than searched each time. Long
    # ones (a mapping's keys can be anybody's) are searched, never kept.
    if len(key) > _REMEMBERED_KEY_LENGTH:
        return _SENSITIVE_KEY.search(key) is not None
    return _remembered_sensitive_key(key)


@lru_cache(maxsize=4096)
def _remembered_sensitive_key(key: str) -> bool:
    return _SENSITIVE_KEY.search(key) is not None


def _redacted_items(items: list[Any] | tuple[Any, ...] | set[Any] | frozenset[Any]) -> list[Any]:
    # A (name, value) pair, such as an ASGI header, is masked by its name.
    if isinstance(items, tuple) and len(items) == 2 and isinstance(items[0], str | bytes):  # noqa: PLR2004
        name = items[0].decode("latin-1") if isinstance(items[0], bytes) else items[0]
        return [name, _redacted(name, items[1])]
    return [_redacted(None, item) for item in items]


def _scrub(text: str) -> str:
    # One scan for what every pattern below needs, so that plain text costs one search.
    if _MAYBE_SENSITIVE.search(text) is None:
        return text
    for pattern, replacement in _SENSITIVE_TEXT:
        text = pattern.sub(replacement, text)
    return text
