"""The in-memory unit of work keeps the real transaction semantics."""

from dataclasses import dataclass, field
from uuid import UUID, uuid4

from core.testing import InMemoryRepository, InMemoryUnitOfWork


@dataclass
class Thing:
    name: str
    id: UUID = field(default_factory=uuid4)


def unit(store: dict[UUID, Thing]) -> tuple[InMemoryUnitOfWork, InMemoryRepository[Thing]]:
    repository = InMemoryRepository(store)
    return InMemoryUnitOfWork(repository), repository


async def test_committed_changes_persist_and_uncommitted_ones_vanish() -> None:
    store: dict[UUID, Thing] = {}
    kept, lost = Thing("kept"), Thing("lost")

    uow, things = unit(store)
    async with uow:
        await things.add(kept)
        await uow.commit()
    uow, things = unit(store)
    async with uow:
        await things.add(lost)

    assert set(store) == {kept.id}


async def test_a_fetched_copy_changed_without_commit_leaves_the_store_alone() -> None:
    store: dict[UUID, Thing] = {}
    thing = Thing("original")
    store[thing.id] = thing

    uow, things = unit(store)
    async with uow:
        fetched = await things.get(thing.id)
        assert fetched is not None
        fetched.name = "changed"

    assert store[thing.id].name == "original"


async def test_removal_hides_at_once_and_applies_on_commit() -> None:
    thing = Thing("doomed")
    store = {thing.id: thing}

    uow, things = unit(store)
    async with uow:
        await things.remove(thing)
        assert await things.get(thing.id) is None
        assert list(things.visible()) == []
        await uow.commit()

    assert store == {}
