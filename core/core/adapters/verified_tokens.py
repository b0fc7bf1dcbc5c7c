"""A bounded memory of tokens whose signature and claims were verified, until they expire.

Verifying a signature costs far more than the rest of an authenticated request's bookkeeping,
and a client sends the same bearer token with every request. A verified token keeps its
claims until its `exp`, when it is dropped and verified again (and refused as expired): only
successes are remembered, so a forged or expired token is never served from here.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Claims = dict[str, Any]


class VerifiedTokens:
    """Claims by (token, audience, issuer), least recently used first out."""

    def __init__(self, size: int = 4096, clock: Callable[[], float] = time.time) -> None:
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str, str], Claims] = OrderedDict()

    def get(self, key: tuple[str, str, str]) -> Claims | None:
        claims = self._entries.get(key)
        if claims is None:
            return None
        if self._clock() >= claims["exp"]:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return dict(claims)

    def put(self, key: tuple[str, str, str], claims: Claims) -> None:
        if not isinstance(claims.get("exp"), int | float):
            return
        self._entries[key] = dict(claims)
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
