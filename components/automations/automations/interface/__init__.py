"""The automations use cases: the only entry point other layers call."""

from automations.interface.automations import (
    create_automation,
    delete_automation,
    get_automation,
    list_automations,
    update_automation,
)
from automations.interface.events import (
    execute_requested_run,
    queue_runs_for_item_update,
    remove_automations_of_deleted_item,
)
from automations.interface.runs import execute_run, get_run, list_runs, start_run

__all__ = [
    "create_automation",
    "delete_automation",
    "execute_requested_run",
    "execute_run",
    "get_automation",
    "get_run",
    "list_automations",
    "list_runs",
    "queue_runs_for_item_update",
    "remove_automations_of_deleted_item",
    "start_run",
    "update_automation",
]
