"""Business components plug in through an entry-point group; each describes itself once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from dependency_injector import containers
from sqlalchemy import MetaData

from core.interfaces import Message
from core.settings import ArmatureSettings

ENTRY_POINT_GROUP = "armature.components"


@dataclass(frozen=True)
class Consumer:
    """A durable subscription: messages matching `pattern` go to `handle(deps, message)`.

    `deps` is the component container's `deps`; handlers call the same use cases as HTTP
    and must be idempotent (the queue delivers at least once).
    """

    name: str
    pattern: str
    handle: Callable[[Any, Message], Awaitable[object]]


@dataclass(frozen=True)
class VersionedRouter:
    """A "module:attribute" router reference served under /api/v<version>.

    A plain reference is version 1. A new version is a router of its own beside the old one,
    which keeps serving its clients unchanged.
    """

    reference: str
    version: int = 1

    @property
    def prefix(self) -> str:
        return f"/api/v{self.version}"


def versioned(reference: str | VersionedRouter) -> VersionedRouter:
    """The reference with its version; a plain string is version 1."""
    return reference if isinstance(reference, VersionedRouter) else VersionedRouter(reference)


@dataclass(frozen=True)
class Component:
    """What the containers need to know about a component.

    `routers` (served under /api/v1, or under the version a `VersionedRouter` names) and
    `root_routers` (served at the root, such as /.well-known) are "module:attribute"
    references, so that processes without HTTP (workers, migrations, the CLI) never import
    the web framework. The component's container receives the shared resources it declares
    (`session_factory`, `http_client`, `cache`...), and `settings` when the component has a
    settings class. `exports` names providers of that container the root container offers to
    everyone (e.g. "authenticator").
    `commands` references a typer app mounted on the `armature` command line.
    `migrations` names a package of alembic revisions on the component's own branch, for a
    component installed from outside this repository (its first revision has
    `branch_labels=("<name>",)` and no `down_revision`); components in the repository add
    theirs to alembic/versions instead.
    `consumers` run in the worker; `prepare_worker(deps)` runs once when a worker starts
    (to fail fast on what the consumers will need). A container that declares `<name>_deps`
    receives the `deps` of the component called `<name>`, to call its use cases.
    """

    name: str
    container: type[containers.DeclarativeContainer]
    metadata: MetaData
    start_mappers: Callable[[], None]
    routers: tuple[str | VersionedRouter, ...] = field(default=())
    root_routers: tuple[str, ...] = field(default=())
    settings: type[ArmatureSettings] | None = None
    scopes: Mapping[str, str] = field(default_factory=dict)
    exports: tuple[str, ...] = field(default=())
    commands: str | None = None
    migrations: str | None = None
    consumers: tuple[Consumer, ...] = field(default=())
    prepare_worker: Callable[[Any], object] | None = None


class UnknownComponentError(LookupError):
    """A setting names a component that is not installed."""


def discover_components(enabled: Collection[str] | None = None) -> list[Component]:
    """The installed components, restricted to `enabled` when given, in name order."""
    installed = {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}
    names = sorted(installed) if enabled is None else sorted(enabled)
    unknown = [name for name in names if name not in installed]
    if unknown:
        raise UnknownComponentError(
            f"unknown component(s) {', '.join(unknown)}; installed: {', '.join(sorted(installed))}"
        )
    return [_load(installed[name].load(), name) for name in names]


def _load(candidate: object, name: str) -> Component:
    if not isinstance(candidate, Component) or candidate.name != name:
        raise TypeError(f"entry point {name!r} must point to a Component named {name!r}")
    return candidate
