"""What the automations use cases need, and the container that provides it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import async_sessionmaker

from automations.repository import AutomationsUnitOfWork, SqlAutomationsUnitOfWork
from automations.sandbox import SandboxLimits, SandboxResult, SandboxRunner, detect_isolation
from automations.settings import AutomationsSettings
from core.clock import Clock, utc_now
from core.settings import ConfigurationError, Environment
from items.dependencies import ItemsDeps

logger = logging.getLogger(__name__)


class CodeRunner(Protocol):
    async def run(
        self, code: str, event: Mapping[str, Any], timeout_seconds: float
    ) -> SandboxResult:
        """Run untrusted code in isolation and report how it ended."""
        ...


@dataclass(frozen=True)
class AutomationsDeps:
    """A fresh unit of work per call, the items use cases' deps, the sandbox, the clock.

    `sandbox` is a factory: only processes that run automations ever probe the isolation.
    """

    uow: Callable[[], AutomationsUnitOfWork]
    items: ItemsDeps
    sandbox: Callable[[], CodeRunner]
    clock: Clock = utc_now


def create_sandbox(settings: AutomationsSettings) -> SandboxRunner:
    """A runner with the best isolation this host offers; production refuses weak isolation."""
    isolation = detect_isolation()
    logger.info("automations run with %s isolation", isolation.value)
    if (
        settings.environment is Environment.PRODUCTION
        and not (isolation.isolates_network and isolation.isolates_filesystem)
        and not settings.automations_allow_unisolated
    ):
        raise ConfigurationError(
            f"automations would run with {isolation.value} isolation only (no network and "
            "filesystem isolation): install bubblewrap or allow user namespaces, or set "
            "AUTOMATIONS_ALLOW_UNISOLATED=true to accept the risk"
        )
    limits = SandboxLimits(
        memory_bytes=settings.automations_memory_mb * 1024 * 1024,
        max_processes=settings.automations_max_processes,
        output_bytes=settings.automations_output_bytes,
    )
    return SandboxRunner(
        isolation, limits, max_concurrent_runs=settings.automations_max_concurrent_runs
    )


class AutomationsContainer(containers.DeclarativeContainer):
    session_factory = providers.Dependency(instance_of=async_sessionmaker)
    items_deps = providers.Dependency(instance_of=ItemsDeps)
    settings = providers.Dependency(instance_of=AutomationsSettings)
    clock = providers.Object(utc_now)

    unit_of_work = providers.Factory(SqlAutomationsUnitOfWork, session_factory=session_factory)
    sandbox = providers.Singleton(create_sandbox, settings)
    deps = providers.Singleton(
        AutomationsDeps,
        uow=unit_of_work.provider,
        items=items_deps,
        sandbox=sandbox.provider,
        clock=clock,
    )
