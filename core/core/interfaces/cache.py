"""The cache port: short-lived shared values with a time to live."""

from __future__ import annotations

import abc


class Cache(abc.ABC):
    """Bytes under string keys, each with a time to live.

    A cache is an optimisation or a coordination aid, never the only copy of anything:
    callers treat a `CacheUnavailable` as a miss and go on.
    """

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store the value, replacing any other."""

    @abc.abstractmethod
    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        """Store the value only when the key is absent, atomically; True when stored."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the key; harmless when absent."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""


class CacheUnavailable(ConnectionError):
    """The cache could not be reached; treat as a miss."""
