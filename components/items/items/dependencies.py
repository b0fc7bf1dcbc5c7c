"""What the items use cases need, and the container that provides it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.clock import Clock, utc_now
from core.interfaces import Cache, FileStorage
from core.interfaces.files import NoFileStorage
from items.cache import ItemCache
from items.cursors import CursorCodec
from items.repository import ItemsUnitOfWork, SqlItemsUnitOfWork
from items.settings import DEFAULT_ATTACHMENT_TYPES, ItemsSettings


@dataclass(frozen=True)
class AttachmentRules:
    """What an item's files may be: size, media types, and how long a download link lives."""

    max_bytes: int = 10 * 1024 * 1024
    content_types: frozenset[str] = frozenset(DEFAULT_ATTACHMENT_TYPES)
    url_ttl: timedelta = timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings: ItemsSettings) -> AttachmentRules:
        return cls(
            max_bytes=settings.attachments_max_bytes,
            content_types=frozenset(settings.attachments_content_types),
            url_ttl=timedelta(seconds=settings.attachments_url_ttl_seconds),
        )


@dataclass(frozen=True)
class ItemsDeps:
    """A fresh unit of work per call, the clock, the page cursors' codec, the item cache, the
    file storage of attachments and their rules."""

    uow: Callable[[], ItemsUnitOfWork]
    clock: Clock = utc_now
    cursors: CursorCodec = field(default_factory=CursorCodec.ephemeral)
    cache: ItemCache = field(default_factory=ItemCache.off)
    files: FileStorage = field(default_factory=NoFileStorage)
    attachments: AttachmentRules = field(default_factory=AttachmentRules)
    read_uow: Callable[[], ItemsUnitOfWork] | None = None

    def reader(self) -> ItemsUnitOfWork:
        """A unit for use cases that only read (see SqlAlchemyUnitOfWork); else a plain one."""
        return (self.read_uow or self.uow)()


def cursor_codec(settings: ItemsSettings) -> CursorCodec:
    """Signed with the configured secret, else with a key of this process's own."""
    secret = settings.cursor_secret()
    return CursorCodec.ephemeral() if secret is None else CursorCodec(secret)


def build_item_cache(cache: Cache, settings: ItemsSettings) -> ItemCache:
    """Items by id in the shared cache, for ITEMS_CACHE_TTL_SECONDS (0: off)."""
    return ItemCache(cache, settings.items_cache_ttl_seconds)


class ItemsContainer(containers.DeclarativeContainer):
    session_factory = providers.Dependency(instance_of=async_sessionmaker)
    settings = providers.Dependency(instance_of=ItemsSettings)
    cache = providers.Dependency(instance_of=Cache)  # type: ignore[type-abstract]
    file_storage = providers.Dependency(instance_of=FileStorage)  # type: ignore[type-abstract]
    clock = providers.Object(utc_now)
    cursors = providers.Singleton(cursor_codec, settings)
    # One per process: it remembers which items this process could not update in the cache.
    item_cache = providers.Singleton(build_item_cache, cache, settings)

    unit_of_work = providers.Factory(SqlItemsUnitOfWork, session_factory=session_factory)
    read_unit_of_work = providers.Factory(
        SqlItemsUnitOfWork, session_factory=session_factory, read_only=True
    )
    deps = providers.Singleton(
        ItemsDeps,
        uow=unit_of_work.provider,
        read_uow=read_unit_of_work.provider,
        clock=clock,
        cursors=cursors,
        cache=item_cache,
        files=file_storage,
        attachments=providers.Callable(AttachmentRules.from_settings, settings),
    )
