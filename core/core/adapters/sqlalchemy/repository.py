"""A repository over one mapped aggregate type; the unit of work owns its session."""

from __future__ import annotations

from typing import Generic, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

Entity = TypeVar("Entity")

# Where removed aggregates wait for the unit of work to collect their events: once a
# deletion is flushed, the instance is in neither the identity map nor `session.deleted`.
REMOVED = "armature.removed"


class SqlAlchemyRepository(Generic[Entity]):
    """Add, get and remove mapped aggregates; it never commits."""

    def __init__(self, session: AsyncSession, entity_type: type[Entity]) -> None:
        self._session = session
        self._entity_type = entity_type

    async def add(self, entity: Entity) -> None:
        self._session.add(entity)

    async def get(self, entity_id: UUID) -> Entity | None:
        return await self._session.get(self._entity_type, entity_id)

    async def remove(self, entity: Entity) -> None:
        self._session.info.setdefault(REMOVED, []).append(entity)
        await self._session.delete(entity)
