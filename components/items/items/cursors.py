"""Opaque, tamper-evident page cursors: where a keyset page ends, signed with HMAC-SHA256.

A cursor holds the sort it was made for and the last row's (sort value, id). Clients must
treat it as opaque; one that was altered, cut or made for another sort is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from uuid import UUID

from items.errors import InvalidCursor

_SIGNATURE_BYTES = 16
# Binds the key to this use: the same secret signs nothing else through this codec.
_KEY_LABEL = b"armature items cursor v1"


@dataclass(frozen=True)
class Position:
    """The last row of a page in its sort: the sort value as text (None for NULL) and the id."""

    sort: str
    value: str | None
    id: UUID


class CursorCodec:
    """Encodes positions into signed cursors and back."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()

    @classmethod
    def ephemeral(cls) -> CursorCodec:
        """A codec with a random key: cursors die with the process (tests, one-process runs)."""
        return cls(secrets.token_bytes(32))

    def encode(self, position: Position) -> str:
        payload = json.dumps(
            [position.sort, position.value, position.id.hex], separators=(",", ":")
        ).encode()
        return _b64(self._sign(payload) + payload)

    def decode(self, cursor: str, sort: str) -> Position:
        """The position a cursor names; InvalidCursor unless it is intact and for `sort`."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor from None
        signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise InvalidCursor
        try:
            cursor_sort, value, item_id = json.loads(payload)
            position = Position(cursor_sort, value, UUID(hex=item_id))
        except (ValueError, TypeError):
            raise InvalidCursor from None
        if position.sort != sort or not (value is None or isinstance(value, str)):
            raise InvalidCursor("The cursor was made for another sort; keep the same `sort`.")
        return position

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
