"""How the containers see the items component."""

from __future__ import annotations

from core.adapters.sqlalchemy import metadata
from core.components import Component, Consumer, VersionedRouter
from items import interface
from items.dependencies import ItemsContainer
from items.settings import ItemsSettings
from items.tables import start_mappers

component = Component(
    name="items",
    container=ItemsContainer,
    metadata=metadata,
    start_mappers=start_mappers,
    routers=(
        "items.http:router",
        "items.http_attachments:router",
        VersionedRouter("items.http_v2:router", version=2),
    ),
    settings=ItemsSettings,
    scopes={
        "items:read": "Read your items.",
        "items:write": "Create, change and delete your items.",
    },
    commands="items.cli:app",
    # The item cache follows every change to an existing item (and repairs what a request
    # could not).
    consumers=(
        *(
            Consumer(interface.CACHE_CONSUMER, event, interface.refresh_cached_item)
            for event in interface.CACHED_EVENTS
        ),
        # An item's files go after the item, from the worker: a storage outage never blocks
        # the delete, and the queue redelivers until every file is gone.
        Consumer(
            interface.ATTACHMENTS_CONSUMER,
            "item.deleted",
            interface.remove_attachments_of_deleted_item,
        ),
    ),
)
