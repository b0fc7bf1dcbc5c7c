"""Whole items use cases in memory, on fakes built on the component's ports."""

from uuid import UUID, uuid4

import pytest

from core.security import Principal
from core.testing import SteppingClock
from items.dependencies import ItemsDeps
from items.models import Item
from items.testing import FakeItemsUnitOfWork


@pytest.fixture
def store() -> dict[UUID, Item]:
    return {}


@pytest.fixture
def deps(store: dict[UUID, Item]) -> ItemsDeps:
    return ItemsDeps(uow=lambda: FakeItemsUnitOfWork(store), clock=SteppingClock())


@pytest.fixture
def owner() -> Principal:
    return Principal(uuid4(), frozenset({"items:read", "items:write"}))
