"""What the items use cases need, and the container that provides it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.clock import Clock, utc_now
from items.repository import ItemsUnitOfWork, SqlItemsUnitOfWork


@dataclass(frozen=True)
class ItemsDeps:
    """A fresh unit of work per call, and the clock."""

    uow: Callable[[], ItemsUnitOfWork]
    clock: Clock = utc_now


class ItemsContainer(containers.DeclarativeContainer):
    session_factory = providers.Dependency(instance_of=async_sessionmaker)
    clock = providers.Object(utc_now)

    unit_of_work = providers.Factory(SqlItemsUnitOfWork, session_factory=session_factory)
    deps = providers.Singleton(ItemsDeps, uow=unit_of_work.provider, clock=clock)
