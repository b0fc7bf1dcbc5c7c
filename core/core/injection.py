"""dependency-injector's `Provide` marker, awaited by web frameworks instead of run in a thread.

FastAPI calls a route's dependencies and runs a plain callable, such as the library's own
marker, in its thread pool: a thread hop per marker per request, for a value that `@inject`
replaces anyway. This marker is awaitable, so it costs nothing; it is otherwise the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dependency_injector import wiring

if TYPE_CHECKING:
    # The library types its markers as values of a protocol; to a type checker this is it.
    Provide = wiring.Provide
else:

    class Provide(wiring.Provide):
        """`Provide["name"]`, as `@inject` knows it, that frameworks await."""

        async def __call__(self):
            return self
