"""The composition root: the only place that joins containers."""

from __future__ import annotations

from collections.abc import Sequence

from dependency_injector import containers, providers

from api.settings import Settings
from core.adapters.sqlalchemy import create_engine, create_session_factory
from core.components import Component, discover_components


class ApplicationContainer(containers.DeclarativeContainer):
    """Process-wide resources; each component gets its own sub-container on top.

    The engine is a Singleton disposed by `close`, not an async Resource: dependency-injector
    makes every provider that depends on an async Resource return awaitables, which would
    turn the synchronous unit-of-work factory into a coroutine.
    """

    settings = providers.Dependency(instance_of=Settings)
    database = providers.Callable(Settings.database, settings)
    engine = providers.Singleton(create_engine, database)
    session_factory = providers.Singleton(create_session_factory, engine)
    components = providers.Dependency(instance_of=tuple)


def build_container(
    settings: Settings, components: Sequence[Component] | None = None
) -> ApplicationContainer:
    """The root container for `settings`, with every enabled component attached and mapped."""
    settings.check()
    enabled = tuple(discover_components(settings.components) if components is None else components)
    for component in enabled:
        component.start_mappers()
    composed = _compose(enabled)
    return composed(settings=providers.Object(settings), components=providers.Object(enabled))


def _compose(components: Sequence[Component]) -> type[ApplicationContainer]:
    """A container class with one sub-container per component, fed the shared session factory.

    Declared on a class (not attached to an instance) so that wiring can resolve
    markers such as `Provide["items.deps"]` against it.
    """

    class ComposedContainer(ApplicationContainer):
        pass

    for component in components:
        sub_container = providers.Container(
            component.container, session_factory=ApplicationContainer.session_factory
        )
        setattr(ComposedContainer, component.name, sub_container)
    return ComposedContainer


async def close(container: ApplicationContainer) -> None:
    """Release the process-wide resources (the engine's connection pool)."""
    await container.engine().dispose()
