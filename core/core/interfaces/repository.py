"""The generic repository port: a collection-like view of one aggregate type."""

from __future__ import annotations

from typing import Protocol, TypeVar
from uuid import UUID

Entity = TypeVar("Entity")


class Repository(Protocol[Entity]):
    """Add, fetch and remove aggregates by id; changes become durable when the unit commits."""

    async def add(self, entity: Entity) -> None:
        """Track a new aggregate."""
        ...

    async def get(self, entity_id: UUID) -> Entity | None:
        """The aggregate with this id, or None."""
        ...

    async def remove(self, entity: Entity) -> None:
        """Delete an aggregate fetched from this repository."""
        ...
