"""A cache shared by every worker and instance, in Redis."""

from __future__ import annotations

import math
from collections.abc import Awaitable
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from core.interfaces.cache import (
    Cache,
    CacheUnavailable,
    check_version,
)

T = TypeVar("T")

# KEYS[1]: the key; ARGV: the version (decimal), the value, the TTL in milliseconds.
# The stored form is `<version>:<value>`, as `encode_versioned` writes it; an entry that is
# not versioned counts as absent.
_SET_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current then
  local stored = tonumber(string.match(current, '^(%d+):'))
  if stored ~= nil and stored >= tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return 1
"""


class RedisCache(Cache):
    """Keys live under `prefix`; every failure to talk to Redis raises `CacheUnavailable`.

    Timeouts are short and a failed command is retried once, at once: a cache that does not
    answer quickly is worth less than the request waiting on it. `set_if_newer` is one Lua
    script (EVALSHA, loaded again by redis-py after a restart flushed it), so the compare and
    the write are atomic.
    """

    def __init__(self, url: str, prefix: str = "armature:", socket_timeout: float = 0.5) -> None:
        self._prefix = prefix
        self._redis: Redis = Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 1),
        )
        self._set_if_newer = self._redis.register_script(_SET_IF_NEWER)

    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""
        value: bytes | None = await self._call(self._redis.get(self._prefix + key))
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store the value, replacing any other (SET PX)."""
        await self._call(self._redis.set(self._prefix + key, value, px=_milliseconds(ttl_seconds)))

    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        """Store the value only when the key is absent (SET NX PX); True when stored."""
        stored = await self._call(
            self._redis.set(self._prefix + key, value, px=_milliseconds(ttl_seconds), nx=True)
        )
        return bool(stored)

    async def set_if_newer(self, key: str, value: bytes, version: int, ttl_seconds: float) -> bool:
        """Store the value under `version` unless the key holds this or a higher version."""
        check_version(version)
        stored = await self._call(
            self._set_if_newer(
                keys=[self._prefix + key], args=[version, value, _milliseconds(ttl_seconds)]
            )
        )
        return bool(stored)

    async def delete(self, key: str) -> None:
        """Remove the key; harmless when absent."""
        await self._call(self._redis.delete(self._prefix + key))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()

    @staticmethod
    async def _call(command: Awaitable[T]) -> T:
        try:
            return await command
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(f"Redis did not answer: {type(exc).__name__}") from exc


def _milliseconds(ttl_seconds: float) -> int:
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    return max(1, math.ceil(ttl_seconds * 1000))
