"""How the containers see the automations component."""

from __future__ import annotations

from automations import interface
from automations.dependencies import AutomationsContainer, AutomationsDeps
from automations.interface.events import ON_ITEM_DELETED, ON_ITEM_UPDATED
from automations.interface.runs import EXECUTOR
from automations.models import RUN_REQUESTED
from automations.settings import AutomationsSettings
from automations.tables import start_mappers
from core.adapters.sqlalchemy import metadata
from core.components import Component, Consumer


def _probe_sandbox(deps: AutomationsDeps) -> None:
    """Detect the isolation (and refuse weak isolation in production) before any run."""
    deps.sandbox()


component = Component(
    name="automations",
    container=AutomationsContainer,
    metadata=metadata,
    start_mappers=start_mappers,
    routers=("automations.http:router",),
    settings=AutomationsSettings,
    scopes={
        "automations:read": "Read your automations and their runs.",
        "automations:write": "Create, change, delete and run automations of your items.",
    },
    consumers=(
        Consumer(ON_ITEM_UPDATED, "item.updated", interface.queue_runs_for_item_update),
        Consumer(ON_ITEM_DELETED, "item.deleted", interface.remove_automations_of_deleted_item),
        Consumer(EXECUTOR, RUN_REQUESTED, interface.execute_requested_run),
    ),
    commands="automations.cli:app",
    prepare_worker=_probe_sandbox,
)
