"""How automations react to item events: each handler is idempotent per message."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from automations.dependencies import AutomationsDeps
from automations.interface.runs import execute_run
from automations.models import Run, Trigger
from core.interfaces import Message

ON_ITEM_UPDATED = "automations.on-item-updated"
ON_ITEM_DELETED = "automations.on-item-deleted"


async def queue_runs_for_item_update(deps: AutomationsDeps, message: Message) -> int:
    """Queue one run per enabled automation of the updated item; 0 for a redelivery."""
    item_id = UUID(message.data["item"]["id"])
    event = _event_seen_by_code(message)
    async with deps.uow() as uow:
        if not await uow.first_delivery(ON_ITEM_UPDATED, message.id):
            return 0
        automations = await uow.automations.for_item(item_id, enabled_only=True)
        for automation in automations:
            now = deps.clock()
            await uow.runs.add(
                Run.queue(automation, trigger=Trigger.ITEM_UPDATED, event=event, now=now)
            )
        await uow.commit()
    return len(automations)


async def remove_automations_of_deleted_item(deps: AutomationsDeps, message: Message) -> None:
    """Delete the automations (and runs) of an item that is gone."""
    async with deps.uow() as uow:
        if await uow.first_delivery(ON_ITEM_DELETED, message.id):
            await uow.automations.remove_for_item(UUID(message.data["item"]["id"]))
            await uow.commit()


async def execute_requested_run(deps: AutomationsDeps, message: Message) -> None:
    """Execute the run a `automation.run.requested` event names (once, however delivered)."""
    await execute_run(deps, run_id=UUID(message.data["run_id"]), message_id=message.id)


def _event_seen_by_code(message: Message) -> dict[str, Any]:
    return {
        "type": message.type,
        "item": message.data.get("item"),
        "previous": message.data.get("previous"),
        "occurred_at": message.occurred_at.isoformat(),
    }
