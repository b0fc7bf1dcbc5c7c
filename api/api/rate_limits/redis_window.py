"""A moving-window hit and the window after it, in one Redis round trip.

`limits` counts a hit with one script and reads the window's state with another: two round
trips on every request, and on the request path each costs more in the client than the
hit itself. This script does both over the very list `limits` keeps (newest timestamp first,
trimmed to the limit, expiring with the window), so `limits` reads and clears what it writes.
"""

from __future__ import annotations

import asyncio
import time
from typing import cast

from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from limits.aio.storage.redis.redispy import RedispyBridge
from limits.errors import StorageError
from limits.util import WindowStats
from redis.exceptions import RedisError

# What limits' acquire_moving_window.lua (at a cost of 1) and moving_window.lua do, in one
# script; the search for the oldest entry runs over the list's length, trimmed to the limit.
HIT_AND_COUNT = b"""
local key = KEYS[1]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local expiry = tonumber(ARGV[3])
local start = now - expiry

-- A limit of 0 lets nothing through, as limits' own script refuses a cost above the limit.
if limit < 1 then
    return {0, 0, tostring(now)}
end

local acquired = 0
local last = redis.call('lindex', key, limit - 1)
if not (last and tonumber(last) >= start) then
    redis.call('lpush', key, now)
    redis.call('ltrim', key, 0, limit - 1)
    redis.call('expire', key, expiry)
    acquired = 1
end

-- Newest first: the oldest entry still inside the window, by binary search. There is one:
-- the hit just counted, or (refused) the entry at limit - 1.
local low, high, oldest = 0, redis.call('llen', key) - 1, 0
while low <= high do
    local mid = math.floor((low + high) / 2)
    local value = tonumber(redis.call('lindex', key, mid))
    if value and value >= start then
        oldest = mid
        low = mid + 1
    else
        high = mid - 1
    end
end
return {acquired, oldest + 1, redis.call('lindex', key, oldest)}
"""


class RedisMovingWindow:
    """Moving windows in the Redis of a `limits` storage, one round trip a hit."""

    def __init__(self, storage: RedisStorage, timeout_seconds: float) -> None:
        if not isinstance(storage.bridge, RedispyBridge):
            raise TypeError("the one-trip window needs limits' redis-py storage")
        self._timeout_seconds = timeout_seconds
        self._bridge = storage.bridge
        self._script = storage.bridge.get_connection().register_script(HIT_AND_COUNT)

    async def hit(self, limit: RateLimitItem, *identifiers: str) -> tuple[bool, WindowStats]:
        """Count one hit (when the window has room) and the window as it stands after it.

        Errors, and a Redis that does not answer within the timeout, arrive as limits'
        StorageError. One deadline for the whole call: the client's own socket timeout
        would start a task for every send on Python 3.11, and its connection is dropped
        when the deadline cancels a call halfway.
        """
        key = self._bridge.prefixed_key(limit.key_for(*identifiers))
        expiry = limit.get_expiry()
        try:
            async with asyncio.timeout(self._timeout_seconds):
                reply = await self._script([key], [time.time(), limit.amount, expiry])
        except TimeoutError as exc:
            silent = TimeoutError(f"Redis gave no answer within {self._timeout_seconds} s")
            raise StorageError(silent) from exc
        except RedisError as exc:
            raise StorageError(exc) from exc
        acquired, count, oldest = cast("list[bytes | int]", reply)
        reset_time = float(oldest) + expiry
        return bool(acquired), WindowStats(reset_time, limit.amount - int(count))
