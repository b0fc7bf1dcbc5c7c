"""Streamed multipart uploads: a file part's bytes go on as they arrive, never held whole.

A route that takes uploads marks its endpoint with `@streams_body`: the global body-size
guard and the Idempotency-Key buffer leave its body alone, and the route (its use case)
enforces its own, larger limit while the bytes stream through. `streamed_file` parses the
multipart body with python-multipart's push parser, returns once the file part's headers
are read, and hands its content on chunk by chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.routing import RouteContext, iter_route_contexts
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.routing import Match
from starlette.types import Scope

from core.errors import MalformedInput, PayloadTooLarge

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__armature_streams_body__"
_UPLOAD_METHODS = frozenset({"POST", "PUT", "PATCH"})
# What may surround the file part: boundaries, part headers, a few small fields.
ENVELOPE_BYTES = 64 * 1024
MULTIPART_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def streams_body(endpoint: F) -> F:
    """Mark a route that reads and limits its own body (outermost, under the route decorator)."""
    setattr(endpoint, _MARK, True)
    return endpoint


def streams_its_body(scope: Scope) -> bool:
    """Whether the request goes to a route marked with `streams_body`."""
    app = scope.get("app")
    if scope["type"] != "http" or scope["method"] not in _UPLOAD_METHODS or app is None:
        return False
    return any(context.matches(scope)[0] is Match.FULL for context in _streaming_routes(app))


def _streaming_routes(app: FastAPI) -> list[RouteContext]:
    # Built on first use, once every router is included (as api.routes does).
    found: list[RouteContext] | None = getattr(app.state, "streaming_routes", None)
    if found is None:
        found = [
            context
            for context in iter_route_contexts(app.routes)
            if getattr(context.endpoint, _MARK, False)
        ]
        app.state.streaming_routes = found
    return found


class InvalidUpload(MalformedInput):
    code = "invalid_upload"


@dataclass(frozen=True)
class StreamedFile:
    """The file part: the client's name and media type as sent (untrusted), and its bytes."""

    filename: str
    content_type: str
    chunks: AsyncIterator[bytes]


async def streamed_file(request: Request, *, field_name: str, max_bytes: int) -> StreamedFile:
    """The `field_name` part of a multipart body, its bytes still to come.

    PayloadTooLarge at once when the declared Content-Length cannot fit `max_bytes`;
    InvalidUpload for a body that is not multipart or has no such part.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + ENVELOPE_BYTES:
        raise PayloadTooLarge(f"The file exceeds the limit of {max_bytes} bytes.")
    media_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise InvalidUpload(f"Send the file as multipart/form-data, in a part named {field_name}.")
    parts = _Parts(field_name.encode())
    parser = MultipartParser(boundary, parts.callbacks())
    stream = request.stream().__aiter__()
    read = 0
    while parts.file is None:
        chunk = await anext(stream, None)
        if chunk is None or parts.ended:
            raise InvalidUpload(f"The body has no file part named {field_name}.")
        read += len(chunk)
        _feed(parser, chunk)
        if parts.file is None and read > ENVELOPE_BYTES:
            raise InvalidUpload(f"The body has no file part named {field_name} near its start.")
    filename, content_type = parts.file
    return StreamedFile(filename, content_type, _content(parser, parts, stream))


async def _content(
    parser: MultipartParser, parts: _Parts, stream: AsyncIterator[bytes]
) -> AsyncIterator[bytes]:
    while True:
        if parts.data:
            data = b"".join(parts.data)
            parts.data.clear()
            yield data
        if parts.file_ended:
            return
        chunk = await anext(stream, None)
        if chunk is None:
            raise InvalidUpload("The body ended inside the file part.")
        _feed(parser, chunk)


def _feed(parser: MultipartParser, chunk: bytes) -> None:
    try:
        parser.write(chunk)
    except MultipartParseError as exc:
        raise InvalidUpload(f"The multipart body is malformed: {exc}") from None


@dataclass
class _Parts:
    """The parser's callbacks: keep the wanted part's headers, pass its data on, drop the rest."""

    wanted: bytes
    file: tuple[str, str] | None = None
    data: list[bytes] = field(default_factory=list)
    file_ended: bool = False
    ended: bool = False
    _in_file: bool = False
    _headers: dict[bytes, bytes] = field(default_factory=dict)
    _name: bytearray = field(default_factory=bytearray)
    _value: bytearray = field(default_factory=bytearray)

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._headers.clear,
            "on_header_field": lambda data, start, end: self._name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _header_end(self) -> None:
        self._headers[bytes(self._name).lower()] = bytes(self._value)
        self._name.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        if self.file is None and options.get(b"name") == self.wanted:
            self._in_file = True
            media_type, _ = parse_options_header(self._headers.get(b"content-type"))
            filename = options.get(b"filename", b"").decode("utf-8", "replace")
            self.file = (filename, media_type.decode("latin-1").lower())

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.data.append(data[start:end])

    def _part_end(self) -> None:
        if self._in_file:
            self._in_file, self.file_ended = False, True

    def _end(self) -> None:
        self.ended = True
