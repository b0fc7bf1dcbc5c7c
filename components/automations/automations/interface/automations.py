"""Creating, reading, changing and deleting automations: owned through their item."""

from __future__ import annotations

from uuid import UUID

from automations.dependencies import AutomationsDeps
from automations.errors import AutomationNotFound, AutomationVersionMismatch
from automations.models import Automation
from automations.repository import AutomationsUnitOfWork
from automations.serializers import AutomationCreate, AutomationRead, AutomationUpdate
from core.security import Principal
from core.versions import Versions, check_version, commit_expecting
from items import interface as items


async def create_automation(
    deps: AutomationsDeps, *, item_id: UUID, data: AutomationCreate, actor: Principal
) -> AutomationRead:
    """Attach an automation to an item the actor may see; ItemNotFound otherwise."""
    item = await items.get_item(deps.items, item_id=item_id, actor=actor)
    automation = Automation.create(
        item_id=item.id, owner_id=item.owner_id, values=data.model_dump(), now=deps.clock()
    )
    async with deps.uow() as uow:
        await uow.automations.add(automation)
        await uow.commit()
    return AutomationRead.model_validate(automation)


async def list_automations(
    deps: AutomationsDeps, *, item_id: UUID, actor: Principal
) -> list[AutomationRead]:
    """The automations of an item the actor may see, oldest first; ItemNotFound otherwise."""
    await items.get_item(deps.items, item_id=item_id, actor=actor)
    async with deps.uow() as uow:
        found = await uow.automations.for_item(item_id)
        return [AutomationRead.model_validate(automation) for automation in found]


async def get_automation(
    deps: AutomationsDeps, *, automation_id: UUID, actor: Principal
) -> AutomationRead:
    """The automation; AutomationNotFound when it does not exist or is someone else's."""
    async with deps.uow() as uow:
        return AutomationRead.model_validate(await existing(uow, automation_id, actor))


async def update_automation(
    deps: AutomationsDeps,
    *,
    automation_id: UUID,
    changes: AutomationUpdate,
    actor: Principal,
    expected_versions: Versions = None,
) -> AutomationRead:
    """Change some fields; AutomationNotFound or AutomationVersionMismatch."""
    async with deps.uow() as uow:
        automation = await existing(uow, automation_id, actor, expected_versions)
        if automation.update(changes.changes(), now=deps.clock()):
            await commit_expecting(uow, expected_versions, AutomationVersionMismatch(automation_id))
        return AutomationRead.model_validate(automation)


async def delete_automation(
    deps: AutomationsDeps,
    *,
    automation_id: UUID,
    actor: Principal,
    expected_versions: Versions = None,
) -> None:
    """Remove the automation and its runs; AutomationNotFound or AutomationVersionMismatch."""
    async with deps.uow() as uow:
        automation = await existing(uow, automation_id, actor, expected_versions)
        await uow.automations.remove(automation)
        await commit_expecting(uow, expected_versions, AutomationVersionMismatch(automation_id))


async def existing(
    uow: AutomationsUnitOfWork, automation_id: UUID, actor: Principal, expected: Versions = None
) -> Automation:
    """The automation the actor may see; someone else's is as absent as a missing one."""
    automation = await uow.automations.get(automation_id)
    if automation is None or not actor.may_see(automation.owner_id):
        raise AutomationNotFound(automation_id)
    check_version(automation.version, expected, AutomationVersionMismatch(automation_id))
    return automation
