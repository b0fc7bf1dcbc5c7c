"""The wire format of a `Message`: one UTF-8 JSON object that round-trips exactly."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from core.interfaces.message_queue import Message


class MessageFormatError(ValueError):
    """The bytes are not a message, or the message cannot be written as JSON."""


def encode_message(message: Message) -> bytes:
    """The message as compact UTF-8 JSON; raises MessageFormatError for non-JSON data."""
    document = {
        "id": str(message.id),
        "type": message.type,
        "occurred_at": message.occurred_at.isoformat(),
        "audience": message.audience,
        "headers": dict(message.headers),
        "data": message.data,
    }
    try:
        # NaN and infinities are not JSON; other languages' parsers would refuse them.
        text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise MessageFormatError(f"message {message.id} is not JSON-serializable: {exc}") from exc
    return text.encode("utf-8")


def decode_message(payload: bytes) -> Message:
    """The message encoded in `payload`; raises MessageFormatError when it is not one."""
    document = _parse_object(payload)
    return Message(
        id=_uuid(document),
        type=_text(document, "type"),
        data=_mapping(document, "data"),
        occurred_at=_timestamp(document),
        audience=_optional_text(document, "audience"),
        headers=_headers(document),
    )


def _parse_object(payload: bytes) -> dict[str, Any]:
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MessageFormatError(f"message is not UTF-8 JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise MessageFormatError("message is not a JSON object")
    return document


def _text(document: Mapping[str, Any], key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise MessageFormatError(f"message field {key!r} must be a non-empty string")
    return value


def _optional_text(document: Mapping[str, Any], key: str) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise MessageFormatError(f"message field {key!r} must be a string or null")
    return value


def _mapping(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    if not isinstance(value, dict):
        raise MessageFormatError(f"message field {key!r} must be an object")
    return value


def _uuid(document: Mapping[str, Any]) -> UUID:
    text = _text(document, "id")
    try:
        return UUID(text)
    except ValueError as exc:
        raise MessageFormatError(f"message field 'id' is not a UUID: {exc}") from exc


def _timestamp(document: Mapping[str, Any]) -> datetime:
    text = _text(document, "occurred_at")
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise MessageFormatError(f"message field 'occurred_at' is not ISO 8601: {exc}") from exc


def _headers(document: Mapping[str, Any]) -> dict[str, str]:
    headers = document.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(value, str) for value in headers.values()
    ):
        raise MessageFormatError("message field 'headers' must map strings to strings")
    return headers
