"""The composition root: the only place that joins containers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from dependency_injector import containers, providers

from api.rate_limits import RateLimiter
from api.settings import Settings
from core.adapters.sqlalchemy import create_engine, create_session_factory
from core.components import Component, discover_components
from core.security import NoAuthenticator
from core.settings import ArmatureSettings


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
    # One pooled HTTP client for every outbound call (OIDC discovery, JWKS...).
    http_client = providers.Singleton(httpx.AsyncClient, timeout=httpx.Timeout(5.0))
    rate_limiter = providers.Singleton(
        RateLimiter, providers.Callable(Settings.rate_limits, settings)
    )
    # Replaced by the component that exports one (accounts); until then every token fails.
    authenticator = providers.Singleton(NoAuthenticator)


def build_container(
    settings: Settings,
    components: Sequence[Component] | None = None,
    component_settings: Mapping[str, ArmatureSettings] | None = None,
) -> ApplicationContainer:
    """The root container for `settings`, with every enabled component attached and mapped.

    Each component's own settings are read from the environment unless given; all of them
    are checked here, so a server refuses unsafe settings before it serves anything.
    """
    enabled = tuple(discover_components(settings.components) if components is None else components)
    given = component_settings or {}
    loaded = {
        component.name: given.get(component.name) or component.settings.load()
        for component in enabled
        if component.settings is not None
    }
    for checked in (settings, *loaded.values()):
        checked.check()
    for component in enabled:
        component.start_mappers()
    composed = _compose(enabled, loaded)
    return composed(settings=providers.Object(settings), components=providers.Object(enabled))


def _compose(
    components: Sequence[Component], settings: Mapping[str, ArmatureSettings]
) -> type[ApplicationContainer]:
    """A container class with one sub-container per component, fed the shared resources it declares.

    Declared on a class (not attached to an instance) so that wiring can resolve
    markers such as `Provide["items.deps"]` against it.
    """

    class ComposedContainer(ApplicationContainer):
        pass

    shared: dict[str, providers.Provider[Any]] = {
        "session_factory": ApplicationContainer.session_factory,
        "http_client": ApplicationContainer.http_client,
    }
    for component in components:
        inputs: dict[str, providers.Provider[Any]] = {
            name: provider
            for name, provider in shared.items()
            if hasattr(component.container, name)
        }
        if component.name in settings:
            inputs["settings"] = providers.Object(settings[component.name])
        sub_container = providers.Container(component.container, **inputs)
        setattr(ComposedContainer, component.name, sub_container)
        for export in component.exports:
            setattr(ComposedContainer, export, getattr(sub_container, export))
    return ComposedContainer


async def close(container: ApplicationContainer) -> None:
    """Release the process-wide resources: Redis, the HTTP client and the engine's pool."""
    await container.rate_limiter().close()
    await container.http_client().aclose()
    await container.engine().dispose()
