"""A process-local cache: for development, tests and a single worker."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from core.interfaces.cache import Cache, decode_versioned, encode_versioned

DEFAULT_MAX_ENTRIES = 10_000


class InMemoryCache(Cache):
    """Entries expire on a monotonic clock; when full, expired then oldest entries make room.

    Every operation runs without awaiting under one lock, so `add` and `set_if_newer` are
    atomic for coroutines and for threads alike. Each worker process has its own copy: use
    Redis for a fleet.
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (value, expires_at); insertion order is age, oldest first.
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""
        with self._lock:
            return self._live(key)

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store the value, replacing any other."""
        expires_at = self._expiry(ttl_seconds)
        with self._lock:
            self._store(key, value, expires_at)

    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        """Store the value only when the key is absent or expired; True when stored."""
        expires_at = self._expiry(ttl_seconds)
        with self._lock:
            if self._live(key) is not None:
                return False
            self._store(key, value, expires_at)
            return True

    async def set_if_newer(self, key: str, value: bytes, version: int, ttl_seconds: float) -> bool:
        """Store the value under `version` unless the key holds this or a higher version."""
        encoded = encode_versioned(version, value)
        expires_at = self._expiry(ttl_seconds)
        with self._lock:
            stored = self._live(key)
            current = None if stored is None else decode_versioned(stored)
            if current is not None and current.version >= version:
                return False
            self._store(key, encoded, expires_at)
            return True

    async def delete(self, key: str) -> None:
        """Remove the key; harmless when absent."""
        with self._lock:
            self._entries.pop(key, None)

    async def close(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _expiry(self, ttl_seconds: float) -> float:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        return self._clock() + ttl_seconds

    def _live(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at <= self._clock():
            del self._entries[key]
            return None
        return value

    def _store(self, key: str, value: bytes, expires_at: float) -> None:
        self._entries.pop(key, None)
        if len(self._entries) >= self._max_entries:
            self._evict()
        self._entries[key] = (value, expires_at)

    def _evict(self) -> None:
        """Drop every expired entry, then the oldest ones until a tenth of the room is free.

        Freeing a tenth at once keeps the full scan rare: inserts stay O(1) amortized.
        """
        now = self._clock()
        expired = [key for key, (_, expires_at) in self._entries.items() if expires_at <= now]
        for key in expired:
            del self._entries[key]
        target = self._max_entries - max(1, self._max_entries // 10)
        while len(self._entries) > target:
            self._entries.popitem(last=False)
