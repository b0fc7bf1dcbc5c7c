"""What authenticating a request needs of an account, remembered for a few seconds.

Every request carries a token that is valid until it expires, but the account behind it can
lose scopes or be disabled meanwhile, so each request also needs the account's current
access. Reading it from the database on every request costs a unit of work (a pooled
connection, a query) for an answer that changes a few times a year; each process therefore
remembers it for ACCOUNTS_ACCESS_RECHECK_SECONDS. A change made through this process is
seen at once (`forget`); one made elsewhere (another worker, the command line) within that
many seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple
from uuid import UUID

from cachetools import TTLCache

# Enough for every account active within a few seconds; beyond it the oldest entries go.
MAX_REMEMBERED = 10_000


class Access(NamedTuple):
    """An account's scopes, and whether it is disabled."""

    scopes: frozenset[str]
    disabled: bool


# None: there is no such account (deleted, or a token from another database).
Known = Access | None
_UNKNOWN = Access(frozenset(), disabled=True)  # a marker, compared by identity


class AccessMemo:
    """Each account's access as last read, for `ttl_seconds` (0: never remembered)."""

    def __init__(self, ttl_seconds: float, timer: Callable[[], float] = time.monotonic) -> None:
        self._entries: TTLCache[UUID, Known] | None = (
            TTLCache(MAX_REMEMBERED, ttl_seconds, timer) if ttl_seconds > 0 else None
        )

    def recall(self, account_id: UUID) -> tuple[bool, Known]:
        """(True, access) while remembered; (False, None) when it must be read."""
        if self._entries is None:
            return False, None
        found = self._entries.get(account_id, _UNKNOWN)
        return (False, None) if found is _UNKNOWN else (True, found)

    def remember(self, account_id: UUID, access: Known) -> None:
        if self._entries is not None:
            self._entries[account_id] = access

    def forget(self, account_id: UUID) -> None:
        """Read the account again next time: this process has just changed it."""
        if self._entries is not None:
            self._entries.pop(account_id, None)
