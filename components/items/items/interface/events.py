"""How items react to their own events: the item cache follows every committed change."""

from __future__ import annotations

from core.interfaces import Message
from items.dependencies import ItemsDeps
from items.serializers import ItemRead

CACHE_CONSUMER = "items.cache"
# The events that carry the item's state (`item.*` may one day match others).
_ITEM_STATES = frozenset({"item.created", "item.updated", "item.deleted"})


async def refresh_cached_item(deps: ItemsDeps, message: Message) -> None:
    """Bring the cached item up to the event's version, or mark it deleted.

    Idempotent and order-proof: an event older than the cached version changes nothing. A
    cache that does not answer fails the delivery, so the queue retries it.
    """
    if message.type not in _ITEM_STATES:
        return
    item = ItemRead.model_validate(message.data["item"])
    if message.type == "item.deleted":
        await deps.cache.forget(item.id, item.version, strict=True)
    else:
        await deps.cache.put(item, strict=True)
