"""The item and attachment tables and their mapping onto the plain dataclasses."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Uuid

from core.adapters.sqlalchemy import Money, UTCDateTime, map_once, metadata
from items.models import Attachment, Item

item_table = Table(
    "item",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", String(2000), nullable=True),
    Column("price", Money, nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # No foreign key to account: components stay independently installable.
    Column("owner_id", Uuid, nullable=True),
    # Every sort, ended by the id that breaks its ties: keyset pages (API v2) are index range
    # scans, for an owner's items and for everyone's alike.
    Index("ix_item_created_at_id", "created_at", "id"),
    Index("ix_item_name_id", "name", "id"),
    Index("ix_item_price_id", "price", "id"),
    Index("ix_item_owner_id_created_at_id", "owner_id", "created_at", "id"),
    Index("ix_item_owner_id_name_id", "owner_id", "name", "id"),
    Index("ix_item_owner_id_price_id", "owner_id", "price", "id"),
)


attachment_table = Table(
    "attachment",
    metadata,
    Column("id", Uuid, primary_key=True),
    # No foreign key: the item goes first, its attachments follow through `item.deleted`,
    # once their files are gone from the storage.
    Column("item_id", Uuid, nullable=False),
    Column("owner_id", Uuid, nullable=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("storage_key", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_attachment_item_id_created_at", "item_id", "created_at"),
)


def start_mappers() -> None:
    """Map Item onto its table; the domain bumps `version`, the UPDATE checks the old one."""
    map_once(
        Item,
        item_table,
        version_id_col=item_table.c.version,
        version_id_generator=False,
    )
    map_once(Attachment, attachment_table)
