"""The Item aggregate: a plain dataclass, mapped onto its table elsewhere."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from core.events import RecordsEvents
from core.interfaces import Message

EDITABLE_FIELDS = frozenset({"name", "description", "price"})


@dataclass(eq=False)
class Item(RecordsEvents):
    """A named, optionally priced thing; `version` grows by one with every change.

    `owner_id` is the account that created it; items from before accounts existed have none
    and only administrators see them. Records `item.created`, `item.updated` (with the
    previous state) and `item.deleted`.
    """

    id: UUID
    name: str
    description: str | None
    price: Decimal | None
    created_at: datetime
    updated_at: datetime
    owner_id: UUID | None = None
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        name: str,
        description: str | None,
        price: Decimal | None,
        owner_id: UUID,
        now: datetime,
    ) -> Item:
        item = cls(
            id=uuid4(),
            owner_id=owner_id,
            name=name,
            description=description,
            price=price,
            created_at=now,
            updated_at=now,
        )
        item._record("item.created", now, item=item.snapshot())
        return item

    def update(self, changes: Mapping[str, object], now: datetime) -> bool:
        """Apply the changed fields; True when anything changed (and the version moved)."""
        unknown = changes.keys() - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        changed = {key: value for key, value in changes.items() if getattr(self, key) != value}
        if not changed:
            return False
        previous = self.snapshot()
        for key, value in changed.items():
            setattr(self, key, value)
        self.version += 1
        self.updated_at = now
        self._record("item.updated", now, item=self.snapshot(), previous=previous)
        return True

    def delete(self, now: datetime) -> None:
        """Record the deletion; the repository removes the row."""
        self._record("item.deleted", now, item=self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        """The item as JSON-ready values: what events carry."""
        return {
            "id": str(self.id),
            "owner_id": None if self.owner_id is None else str(self.owner_id),
            "name": self.name,
            "description": self.description,
            "price": None if self.price is None else str(self.price),
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    def _record(self, event_type: str, now: datetime, **data: Any) -> None:
        audience = None if self.owner_id is None else str(self.owner_id)
        self.record_event(Message(type=event_type, data=data, occurred_at=now, audience=audience))


@dataclass(eq=False)
class Attachment:
    """A file of an item: its bytes live in the file storage under `storage_key`.

    The key is generated from the ids, never from anything the client sent; the client's
    file name is kept, sanitized, only to be shown and offered back on download.
    """

    id: UUID
    item_id: UUID
    owner_id: UUID | None
    filename: str
    content_type: str
    size: int
    storage_key: str
    created_at: datetime

    @classmethod
    def new(cls, *, item: Item, filename: str, content_type: str, now: datetime) -> Attachment:
        attachment_id = uuid4()
        return cls(
            id=attachment_id,
            item_id=item.id,
            owner_id=item.owner_id,
            filename=sanitized_filename(filename),
            content_type=content_type,
            size=0,
            storage_key=f"items/{item.id.hex}/{attachment_id.hex}",
            created_at=now,
        )


MAX_FILENAME_LENGTH = 255


def sanitized_filename(raw: str) -> str:
    """The last path segment, in NFC, without control characters or leading dots; `file` if
    nothing is left."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return name[:MAX_FILENAME_LENGTH].strip() or "file"
