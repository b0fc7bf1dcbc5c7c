"""The cache port: short-lived shared values with a time to live."""

from __future__ import annotations

import abc
from dataclasses import dataclass

# Redis scripts compare versions as Lua numbers (doubles): exact up to 2**53.
MAX_VERSION = 2**53 - 1


@dataclass(frozen=True)
class Versioned:
    """A value and the version `set_if_newer` stored it under."""

    version: int
    value: bytes


class Cache(abc.ABC):
    """Bytes under string keys, each with a time to live.

    A cache is an optimisation or a coordination aid, never the only copy of anything:
    callers treat a `CacheUnavailable` as a miss and go on. Versioned entries, written by
    `set_if_newer` and read by `get_versioned`, only ever move to a higher version, so a
    slow writer can never put back an older copy.
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

    async def get_versioned(self, key: str) -> Versioned | None:
        """The entry `set_if_newer` stored, or None when absent, expired or not versioned."""
        stored = await self.get(key)
        return None if stored is None else decode_versioned(stored)

    @abc.abstractmethod
    async def set_if_newer(self, key: str, value: bytes, version: int, ttl_seconds: float) -> bool:
        """Store the value under `version` unless the key holds this or a higher version.

        Atomic; True when stored. An unversioned value under the key counts as absent.
        """

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the key; harmless when absent."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""


class CacheUnavailable(ConnectionError):
    """The cache could not be reached; treat as a miss."""


def check_version(version: int) -> None:
    """Refuse a version no adapter can compare exactly."""
    if not 0 <= version <= MAX_VERSION:
        raise ValueError(f"version must be between 0 and {MAX_VERSION}")


def encode_versioned(version: int, value: bytes) -> bytes:
    """The stored form of a versioned entry, the same in every adapter: `<version>:<value>`."""
    check_version(version)
    return b"%d:%b" % (version, value)


def decode_versioned(stored: bytes) -> Versioned | None:
    """The entry `encode_versioned` made, or None for any other value."""
    head, colon, value = stored.partition(b":")
    if not colon or not head.isdigit():
        return None
    return Versioned(int(head), value)
