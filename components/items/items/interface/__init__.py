"""The items use cases: the only entry point other layers call."""

from items.interface.attachments import (
    ON_ITEM_DELETED as ATTACHMENTS_CONSUMER,
)
from items.interface.attachments import (
    delete_attachment,
    download_attachment,
    list_attachments,
    remove_attachments_of_deleted_item,
    upload_attachment,
)
from items.interface.events import CACHE_CONSUMER, CACHED_EVENTS, refresh_cached_item
from items.interface.items import (
    create_item,
    delete_item,
    get_item,
    list_items,
    list_items_json,
    update_item,
)
from items.interface.pages import list_items_after

__all__ = [
    "ATTACHMENTS_CONSUMER",
    "CACHED_EVENTS",
    "CACHE_CONSUMER",
    "create_item",
    "delete_attachment",
    "delete_item",
    "download_attachment",
    "get_item",
    "list_attachments",
    "list_items",
    "list_items_after",
    "list_items_json",
    "refresh_cached_item",
    "remove_attachments_of_deleted_item",
    "update_item",
    "upload_attachment",
]
