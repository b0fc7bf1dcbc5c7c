"""Items read by id, cached behind the use cases: versioned, so never older than what was seen.

Every entry carries its item's version and only ever moves to a higher one
(`Cache.set_if_newer`): a writer stores what it committed, a reader what it read, an
update or delete event what it carries, and a deletion a tombstone one version past the
item's last. A new item is cached by its first read: no copy of it can be stale.
So a reader that loaded version 5 before a writer committed 6 can never put 5 back, and a
late or redelivered event is a no-op.

A cache that fails is a miss: reads go to the database, writes go on. An item whose update
could not reach the cache is marked in this process, and its reads skip the cache until an
update at least as new gets through, so this process keeps reading its own writes after an
outage; other processes rely on the item's event, which retries until the cache answers.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from uuid import UUID

from pydantic import ValidationError

from core.interfaces.cache import Cache, CacheUnavailable
from items.serializers import ItemRead

logger = logging.getLogger(__name__)

KEY_PREFIX = "items:"
TOMBSTONE = b""
# Items whose cached copy this process distrusts; beyond this many, the oldest marks go (the
# item's event still repairs the cache).
MAX_UNSYNCED = 10_000


class ItemCache:
    """`ItemRead`s by id in the `Cache` port for `ttl_seconds`; no cache or 0 turns it off."""

    def __init__(self, cache: Cache | None, ttl_seconds: float) -> None:
        self._cache = cache if ttl_seconds > 0 else None
        self._ttl = ttl_seconds
        # item id -> the version this process failed to store
        self._unsynced: OrderedDict[UUID, int] = OrderedDict()
        self._failing = False  # an outage is logged once, not on every request

    @classmethod
    def off(cls) -> ItemCache:
        """A cache that holds nothing: every read goes to the database."""
        return cls(None, 0)

    async def get(self, item_id: UUID) -> ItemRead | None:
        """The cached item, or None: absent, deleted, unreadable, distrusted or unavailable."""
        if self._cache is None or item_id in self._unsynced:
            return None
        try:
            entry = await self._cache.get_versioned(_key(item_id))
        except CacheUnavailable as exc:
            self._failed(exc)
            return None
        self._answered()
        if entry is None or entry.value == TOMBSTONE:
            return None
        try:
            return ItemRead.model_validate_json(entry.value)
        except ValidationError:
            logger.warning("item cache: ignoring a malformed entry for item %s", item_id)
            return None

    async def put(self, item: ItemRead, *, strict: bool = False) -> None:
        """Cache the item unless a newer version is; failures only log (`strict`: raise)."""
        await self._store(item.id, item.version, item.model_dump_json().encode(), strict)

    async def forget(self, item_id: UUID, version: int, *, strict: bool = False) -> None:
        """Record that the item, last at `version`, is deleted: no older copy can come back."""
        await self._store(item_id, version + 1, TOMBSTONE, strict)

    async def _store(self, item_id: UUID, version: int, value: bytes, strict: bool) -> None:
        if self._cache is None:
            return
        try:
            await self._cache.set_if_newer(_key(item_id), value, version, self._ttl)
        except CacheUnavailable as exc:
            self._distrust(item_id, version)
            if strict:
                raise CacheUnavailable(f"item {item_id} not cached: {exc}") from exc
            self._failed(exc)
            return
        self._answered()
        # The cache now holds this version or a newer one.
        if self._unsynced.get(item_id, version + 1) <= version:
            del self._unsynced[item_id]

    def _failed(self, exc: Exception) -> None:
        log = logger.debug if self._failing else logger.warning
        log("item cache unavailable, items are read from the database: %s", exc)
        self._failing = True

    def _answered(self) -> None:
        if self._failing:
            logger.info("item cache available again")
            self._failing = False

    def _distrust(self, item_id: UUID, version: int) -> None:
        self._unsynced[item_id] = max(version, self._unsynced.get(item_id, version))
        self._unsynced.move_to_end(item_id)
        while len(self._unsynced) > MAX_UNSYNCED:
            self._unsynced.popitem(last=False)


def _key(item_id: UUID) -> str:
    return f"{KEY_PREFIX}{item_id}"
