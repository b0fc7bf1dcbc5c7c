"""The item table and its mapping onto the plain Item dataclass."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Uuid

from core.adapters.sqlalchemy import Money, UTCDateTime, map_once, metadata
from items.models import Item

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
    Index("ix_item_created_at", "created_at"),
    Index("ix_item_owner_id_created_at", "owner_id", "created_at"),
    Index("ix_item_name", "name"),
    Index("ix_item_price", "price"),
)


def start_mappers() -> None:
    """Map Item onto its table; the domain bumps `version`, the UPDATE checks the old one."""
    map_once(
        Item,
        item_table,
        version_id_col=item_table.c.version,
        version_id_generator=False,
    )
