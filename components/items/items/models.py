"""The Item aggregate: a plain dataclass, mapped onto its table elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

EDITABLE_FIELDS = frozenset({"name", "description", "price"})


@dataclass(eq=False)
class Item:
    """A named, optionally priced thing; `version` grows by one with every change.

    `owner_id` is the account that created it; items from before accounts existed have none
    and only administrators see them.
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
        return cls(
            id=uuid4(),
            owner_id=owner_id,
            name=name,
            description=description,
            price=price,
            created_at=now,
            updated_at=now,
        )

    def update(self, changes: Mapping[str, object], now: datetime) -> bool:
        """Apply the changed fields; True when anything changed (and the version moved)."""
        unknown = changes.keys() - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        changed = {key: value for key, value in changes.items() if getattr(self, key) != value}
        if not changed:
            return False
        for key, value in changed.items():
            setattr(self, key, value)
        self.version += 1
        self.updated_at = now
        return True
