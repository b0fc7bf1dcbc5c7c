"""A message handler for queue tests: it records, fails on demand, and can be waited on."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from uuid import UUID

from core.interfaces import Message


class RecordingHandler:
    """Remembers what it handled; fails its first `failures` calls for each message."""

    def __init__(self, failures: int = 0, wait_seconds: float = 15.0) -> None:
        self.failures = failures
        self.calls: Counter[UUID] = Counter()
        self.handled: list[Message] = []
        self._wait_seconds = wait_seconds
        self._called = asyncio.Event()

    async def __call__(self, message: Message) -> None:
        self.calls[message.id] += 1
        self._called.set()
        if self.calls[message.id] <= self.failures:
            raise RuntimeError(f"failure {self.calls[message.id]}")
        self.handled.append(message)

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Return once `condition` holds; TimeoutError after the handler's wait."""

        async def watch() -> None:
            while not condition():
                self._called.clear()
                await self._called.wait()

        await asyncio.wait_for(watch(), self._wait_seconds)

    async def wait_handled(self, count: int) -> None:
        await self.wait_until(lambda: len(self.handled) >= count)

    @property
    def types(self) -> list[str]:
        """The types handled, in the order they were handled."""
        return [message.type for message in self.handled]
