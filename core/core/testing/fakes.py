"""In-memory unit of work and repositories with real commit and rollback semantics."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from core.events import collect_events
from core.interfaces import Message, UnitOfWork


class HasId(Protocol):
    @property
    def id(self) -> UUID: ...


Entity = TypeVar("Entity", bound=HasId)


class Transactional(Protocol):
    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def pull_events(self) -> list[Message]: ...


class InMemoryRepository(Generic[Entity]):
    """A repository over a shared dict of committed aggregates.

    Like a database session, it hands out its own copies and writes them back only on
    commit, so a use case that forgets to commit loses its changes here too.
    """

    def __init__(self, committed: dict[UUID, Entity]) -> None:
        self._committed = committed
        self._seen: dict[UUID, Entity] = {}
        self._removed: set[UUID] = set()
        self._removed_entities: list[Entity] = []

    async def add(self, entity: Entity) -> None:
        self._removed.discard(entity.id)
        self._seen[entity.id] = entity

    async def get(self, entity_id: UUID) -> Entity | None:
        if entity_id in self._removed:
            return None
        if entity_id not in self._seen and entity_id in self._committed:
            self._seen[entity_id] = copy.deepcopy(self._committed[entity_id])
        return self._seen.get(entity_id)

    async def remove(self, entity: Entity) -> None:
        self._seen.pop(entity.id, None)
        self._removed.add(entity.id)
        self._removed_entities.append(entity)

    def pull_events(self) -> list[Message]:
        """The events recorded by the aggregates this unit touched."""
        return collect_events([*self._seen.values(), *self._removed_entities])

    def visible(self) -> Iterator[Entity]:
        """Every aggregate this unit would see: committed ones overlaid with its own changes."""
        for entity_id in self._committed.keys() | self._seen.keys():
            entity = self._seen.get(entity_id) or self._committed[entity_id]
            if entity_id not in self._removed:
                yield entity

    def commit(self) -> None:
        for entity_id in self._removed:
            self._committed.pop(entity_id, None)
        self._committed.update({key: copy.deepcopy(value) for key, value in self._seen.items()})
        self.rollback()

    def rollback(self) -> None:
        self._seen.clear()
        self._removed.clear()
        self._removed_entities.clear()


class InMemoryUnitOfWork(UnitOfWork):
    """Commits or discards the changes of the repositories it lists.

    Committed events land in `outbox`; `processed` remembers which consumer handled which
    message. Share both between units to see what a sequence of use cases did.
    """

    def __init__(
        self,
        *repositories: Transactional,
        outbox: list[Message] | None = None,
        processed: set[tuple[str, UUID]] | None = None,
    ) -> None:
        self._repositories = repositories
        self.outbox = [] if outbox is None else outbox
        self.processed = set() if processed is None else processed
        self._claimed: set[tuple[str, UUID]] = set()
        self.commits = 0

    async def commit(self) -> None:
        events = [event for repository in self._repositories for event in repository.pull_events()]
        for repository in self._repositories:
            repository.commit()
        self.outbox.extend(sorted(events, key=lambda event: event.occurred_at))
        self.processed |= self._claimed
        self._claimed.clear()
        self.commits += 1

    async def first_delivery(self, consumer: str, message_id: UUID) -> bool:
        claim = (consumer, message_id)
        if claim in self.processed or claim in self._claimed:
            return False
        self._claimed.add(claim)
        return True

    async def rollback(self) -> None:
        for repository in self._repositories:
            repository.pull_events()
            repository.rollback()
        self._claimed.clear()
