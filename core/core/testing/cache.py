"""A cache for tests: an adapter (in memory by default), plus outages and staged races."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable

from core.adapters.memory_cache import InMemoryCache
from core.interfaces.cache import Cache, CacheUnavailable, Versioned

Step = Callable[[], Awaitable[object]]


class FakeCache(Cache):
    """A real adapter's semantics (an `InMemoryCache` unless `inner` is given), with two levers.

    `down = True` makes every operation raise `CacheUnavailable`, as an unreachable Redis
    does; `before_next("set_if_newer", step)` runs `step` once, just before the next such
    operation, to stage a race at an exact point (another writer committing in between).
    `latency()` seconds pass before each operation: jitter that reorders racing calls.
    """

    def __init__(
        self,
        inner: Cache | None = None,
        clock: Callable[[], float] = time.monotonic,
        latency: Callable[[], float] | None = None,
    ) -> None:
        self._inner = InMemoryCache(clock=clock) if inner is None else inner
        self._steps: defaultdict[str, list[Step]] = defaultdict(list)
        self._latency = latency
        self.down = False

    def before_next(self, operation: str, step: Step) -> None:
        """Run `step` once before the next call of `operation` (a Cache method's name)."""
        if not callable(getattr(Cache, operation, None)):
            raise ValueError(f"no cache operation called {operation!r}")
        self._steps[operation].append(step)

    async def get(self, key: str) -> bytes | None:
        await self._enter("get")
        return await self._inner.get(key)

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._enter("set")
        await self._inner.set(key, value, ttl_seconds)

    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        await self._enter("add")
        return await self._inner.add(key, value, ttl_seconds)

    async def get_versioned(self, key: str) -> Versioned | None:
        await self._enter("get_versioned")
        return await self._inner.get_versioned(key)

    async def set_if_newer(self, key: str, value: bytes, version: int, ttl_seconds: float) -> bool:
        await self._enter("set_if_newer")
        return await self._inner.set_if_newer(key, value, version, ttl_seconds)

    async def delete(self, key: str) -> None:
        await self._enter("delete")
        await self._inner.delete(key)

    async def close(self) -> None:
        await self._inner.close()

    async def _enter(self, operation: str) -> None:
        steps = self._steps.pop(operation, [])
        for step in steps:
            await step()
        if self._latency is not None:
            await asyncio.sleep(self._latency())
        if self.down:
            raise CacheUnavailable(f"the fake cache is down ({operation})")
