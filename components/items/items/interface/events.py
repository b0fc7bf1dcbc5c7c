"""How items react to their own events: the item cache follows every change to an item."""

from __future__ import annotations

from core.interfaces import Message
from items.dependencies import ItemsDeps
from items.serializers import ItemRead

CACHE_CONSUMER = "items.cache"
# What the cache consumer hears: not creations, since no copy of a new item can be stale
# and its first read caches it.
CACHED_EVENTS = ("item.updated", "item.deleted")


async def refresh_cached_item(deps: ItemsDeps, message: Message) -> None:
    """Bring the cached item up to the event's version, or mark it deleted.

    Idempotent and order-proof: an event older than the cached version changes nothing. A
    cache that does not answer fails the delivery, so the queue retries it.
    """
    item = ItemRead.model_validate(message.data["item"])
    if message.type == "item.deleted":
        await deps.cache.forget(item.id, item.version, strict=True)
    else:
        await deps.cache.put(item, strict=True)
