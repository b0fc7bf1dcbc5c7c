"""The composition root: the only place that joins containers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from dependency_injector import containers, providers

from api.metrics import count_dead_letter, watch_pool
from api.rate_limits import RateLimiter
from api.settings import Settings
from core.adapters.files import LocalFileStorage
from core.adapters.memory_cache import InMemoryCache
from core.adapters.memory_queue import InMemoryMessageQueue
from core.adapters.notifiers import ConsoleNotifier, SmtpNotifier
from core.adapters.rabbitmq import RabbitMessageQueue
from core.adapters.redis_cache import RedisCache
from core.adapters.sqlalchemy import create_engine, create_session_factory
from core.adapters.sqlalchemy.relay import OutboxRelay
from core.adapters.sqlalchemy.retention import Pruner, Retention
from core.components import Component, discover_components
from core.interfaces import Cache, FileStorage, MessageQueue, Notifier
from core.security import NoAuthenticator
from core.settings import ArmatureSettings, ConfigurationError


def create_message_queue(settings: Settings) -> MessageQueue:
    """RabbitMQ when RABBITMQ_URL is set, else the in-process queue of the embedded default."""
    if settings.rabbitmq_url is None:
        return InMemoryMessageQueue(on_dead_letter=count_dead_letter)
    return RabbitMessageQueue(
        settings.rabbitmq_url.get_secret_value(),
        exchange=settings.rabbitmq_exchange,
        on_dead_letter=count_dead_letter,
    )


def create_file_storage(settings: Settings) -> FileStorage:
    """S3 when S3_BUCKET is set, else the folder FILES_DIR of the embedded default."""
    if settings.s3_bucket is None:
        return LocalFileStorage(settings.files_dir)
    # Only here: botocore costs a worker that keeps its files in a folder about 25 MB.
    from core.adapters.files.s3 import S3FileStorage  # noqa: PLC0415

    secret = settings.s3_secret_access_key
    return S3FileStorage(
        settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=None if secret is None else secret.get_secret_value(),
        addressing_style=settings.s3_addressing_style,
    )


def create_notifier(settings: Settings) -> Notifier:
    """SMTP when SMTP_HOST is set, else the console (development only: production refuses it)."""
    if settings.smtp_host is None:
        return ConsoleNotifier()
    password = settings.smtp_password
    return SmtpNotifier(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.mail_from,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=None if password is None else password.get_secret_value(),
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def create_cache(settings: Settings) -> Cache:
    """Redis when REDIS_URL is set (shared by every worker), else this process's memory."""
    if settings.redis_url is None:
        return InMemoryCache()
    return RedisCache(settings.redis_url.get_secret_value())


class ApplicationContainer(containers.DeclarativeContainer):
    """Process-wide resources; each component gets its own sub-container on top.

    The engine is a Singleton disposed by `close`, not an async Resource: dependency-injector
    makes every provider that depends on an async Resource return awaitables, which would
    turn the synchronous unit-of-work factory into a coroutine.
    """

    settings = providers.Dependency(instance_of=Settings)
    database = providers.Callable(Settings.database, settings)
    engine = providers.Singleton(lambda database: watch_pool(create_engine(database)), database)
    session_factory = providers.Singleton(create_session_factory, engine)
    components = providers.Dependency(instance_of=tuple)
    queue = providers.Singleton(create_message_queue, settings)
    outbox_relay = providers.Singleton(
        OutboxRelay,
        session_factory,
        queue,
        poll_interval_seconds=providers.Callable(
            lambda settings: settings.outbox_poll_interval_seconds, settings
        ),
    )
    pruner = providers.Singleton(
        Pruner,
        session_factory,
        providers.Callable(
            lambda settings: Retention.in_days(
                settings.outbox_retention_days, settings.processed_message_retention_days
            ),
            settings,
        ),
    )
    cache = providers.Singleton(create_cache, settings)
    file_storage = providers.Singleton(create_file_storage, settings)
    notifier = providers.Singleton(create_notifier, settings)
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
        "cache": ApplicationContainer.cache,
        "file_storage": ApplicationContainer.file_storage,
        "notifier": ApplicationContainer.notifier,
    }
    for component in _in_dependency_order(components):
        inputs: dict[str, providers.Provider[Any]] = {
            name: provider
            for name, provider in shared.items()
            if hasattr(component.container, name)
        }
        if component.name in settings:
            inputs["settings"] = providers.Object(settings[component.name])
        _check_needs(component, inputs)
        sub_container = providers.Container(component.container, **inputs)
        setattr(ComposedContainer, component.name, sub_container)
        shared[f"{component.name}_deps"] = sub_container.deps
        for export in component.exports:
            setattr(ComposedContainer, export, getattr(sub_container, export))
    return ComposedContainer


def _in_dependency_order(components: Sequence[Component]) -> list[Component]:
    """Components whose container asks for `<name>_deps` after the component `<name>`."""
    names = {component.name for component in components}
    ordered: list[Component] = []
    pending = list(components)
    while pending:
        ready = [
            component
            for component in pending
            if not (_wanted(component, names) - {done.name for done in ordered})
        ]
        if not ready:
            wanted = {c.name: sorted(_wanted(c, names)) for c in pending}
            raise LookupError(f"components need each other in a circle: {wanted}")
        ordered.extend(ready)
        pending = [component for component in pending if component not in ready]
    return ordered


def _check_needs(component: Component, inputs: dict[str, providers.Provider[Any]]) -> None:
    missing = [
        name.removesuffix("_deps")
        for name in component.container.providers
        if name.endswith("_deps") and name not in inputs
    ]
    if missing:
        raise ConfigurationError(
            f"component {component.name!r} needs {', '.join(missing)} enabled too (COMPONENTS)"
        )


def _wanted(component: Component, names: set[str]) -> set[str]:
    """The other enabled components whose deps `component`'s container declares."""
    return {name for name in names if hasattr(component.container, f"{name}_deps")}


async def close(container: ApplicationContainer) -> None:
    """Release the process-wide resources: Redis, the HTTP client and the engine's pool."""
    await container.rate_limiter().close()
    await container.cache().close()
    await container.file_storage().close()
    await container.notifier().close()
    await container.http_client().aclose()
    await container.engine().dispose()
