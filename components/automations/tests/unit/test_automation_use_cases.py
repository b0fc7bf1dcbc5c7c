"""Automations use cases, end to end in memory: from an item change to a finished run."""

from uuid import uuid4

import pytest

from automations import interface
from automations.dependencies import AutomationsDeps
from automations.errors import AutomationNotFound
from automations.models import RUN_FINISHED, RUN_REQUESTED, RunStatus, Trigger
from automations.sandbox import SandboxResult
from automations.serializers import (
    AutomationCreate,
    AutomationRead,
    AutomationUpdate,
    RunListQuery,
)
from automations.testing import FakeAutomationsUnitOfWork, ScriptedSandbox, World, result
from core.interfaces import Message
from core.security import Principal
from core.testing import SteppingClock
from items import interface as items
from items.dependencies import ItemsDeps
from items.errors import ItemNotFound
from items.serializers import ItemCreate, ItemUpdate
from items.testing import FakeItemsUnitOfWork


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def sandbox() -> ScriptedSandbox:
    return ScriptedSandbox()


@pytest.fixture
def items_deps(world: World) -> ItemsDeps:
    return ItemsDeps(uow=lambda: FakeItemsUnitOfWork(world.items, world.outbox))


@pytest.fixture
def deps(world: World, sandbox: ScriptedSandbox, items_deps: ItemsDeps) -> AutomationsDeps:
    return AutomationsDeps(
        uow=lambda: FakeAutomationsUnitOfWork(world),
        items=items_deps,
        sandbox=lambda: sandbox,
        clock=SteppingClock(),
    )


@pytest.fixture
def owner() -> Principal:
    scopes = {"items:read", "items:write", "automations:read", "automations:write"}
    return Principal(uuid4(), frozenset(scopes))


CODE = "print('NEW=' + event['item']['name'])"


async def automation_on_new_item(
    deps: AutomationsDeps, owner: Principal, *, enabled: bool = True
) -> AutomationRead:
    item = await items.create_item(deps.items, data=ItemCreate(name="Old"), actor=owner)
    data = AutomationCreate(name="echo", code=CODE, enabled=enabled)
    return await interface.create_automation(deps, item_id=item.id, data=data, actor=owner)


async def deliver(deps: AutomationsDeps, world: World, message: Message) -> None:
    """What the worker does with one message: hand it to the matching consumer."""
    if message.type == "item.updated":
        await interface.queue_runs_for_item_update(deps, message)
    elif message.type == "item.deleted":
        await interface.remove_automations_of_deleted_item(deps, message)
    elif message.type == RUN_REQUESTED:
        await interface.execute_requested_run(deps, message)


async def deliver_all(deps: AutomationsDeps, world: World, seen: int = 0) -> int:
    """Deliver the outbox in order, including what delivering adds; the count delivered."""
    while seen < len(world.outbox):
        await deliver(deps, world, world.outbox[seen])
        seen += 1
    return seen


async def test_an_automation_belongs_to_the_items_owner(
    deps: AutomationsDeps, owner: Principal
) -> None:
    automation = await automation_on_new_item(deps, owner)

    stranger = Principal(uuid4(), owner.scopes)
    with pytest.raises(AutomationNotFound):
        await interface.get_automation(deps, automation_id=automation.id, actor=stranger)
    with pytest.raises(ItemNotFound):
        await interface.create_automation(
            deps, item_id=automation.item_id, data=AutomationCreate(name="x", code="1"),
            actor=stranger,
        )  # fmt: skip


async def test_an_item_update_runs_each_enabled_automation_once_with_the_new_state(
    deps: AutomationsDeps, owner: Principal, world: World, sandbox: ScriptedSandbox
) -> None:
    automation = await automation_on_new_item(deps, owner)
    disabled = AutomationCreate(name="off", code="1", enabled=False)
    await interface.create_automation(deps, item_id=automation.item_id, data=disabled, actor=owner)
    sandbox.results.append(result(exit_code=0, stdout="NEW=New\n"))

    await items.update_item(
        deps.items, item_id=automation.item_id, changes=ItemUpdate(name="New"), actor=owner
    )
    await deliver_all(deps, world)

    assert len(sandbox.ran) == 1
    code, event, timeout = sandbox.ran[0]
    assert (code, timeout) == (CODE, 5)
    assert event["type"] == "item.updated"
    assert (event["item"]["name"], event["previous"]["name"]) == ("New", "Old")
    page = await interface.list_runs(
        deps, automation_id=automation.id, query=RunListQuery(), actor=owner
    )
    assert [(r.trigger, r.status, r.stdout) for r in page.items] == [
        (Trigger.ITEM_UPDATED, RunStatus.SUCCEEDED, "NEW=New\n")
    ]
    finished = world.events(RUN_FINISHED)
    assert [event.audience for event in finished] == [str(owner.account_id)]


async def test_redelivered_events_run_nothing_twice(
    deps: AutomationsDeps, owner: Principal, world: World, sandbox: ScriptedSandbox
) -> None:
    automation = await automation_on_new_item(deps, owner)
    await items.update_item(
        deps.items, item_id=automation.item_id, changes=ItemUpdate(name="New"), actor=owner
    )
    await deliver_all(deps, world)

    for message in list(world.outbox):
        await deliver(deps, world, message)

    assert len(sandbox.ran) == 1
    assert len(world.events(RUN_REQUESTED)) == 1


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (result(exit_code=1, stderr="Traceback"), RunStatus.FAILED),
        (result(exit_code=None, timed_out=True), RunStatus.TIMED_OUT),
        (result(exit_code=0), RunStatus.SUCCEEDED),
    ],
)
async def test_a_manual_run_is_queued_then_finishes_with_the_sandboxs_verdict(
    deps: AutomationsDeps, owner: Principal, world: World, outcome: SandboxResult,
    status: RunStatus,
) -> None:  # fmt: skip
    automation = await automation_on_new_item(deps, owner, enabled=False)
    sandbox = deps.sandbox()
    assert isinstance(sandbox, ScriptedSandbox)
    sandbox.results.append(outcome)

    queued = await interface.start_run(deps, automation_id=automation.id, actor=owner)
    assert queued.status is RunStatus.QUEUED
    await deliver_all(deps, world)

    run = await interface.get_run(deps, automation_id=automation.id, run_id=queued.id, actor=owner)
    assert (run.trigger, run.status) == (Trigger.MANUAL, status)
    assert run.started_at is not None
    assert run.finished_at is not None
    assert run.duration_ms == 12


async def test_deleting_the_item_removes_its_automations(
    deps: AutomationsDeps, owner: Principal, world: World
) -> None:
    automation = await automation_on_new_item(deps, owner)

    await items.delete_item(deps.items, item_id=automation.item_id, actor=owner)
    await deliver_all(deps, world)

    assert world.automations == {}


async def test_changes_to_an_automation_move_its_version(
    deps: AutomationsDeps, owner: Principal
) -> None:
    automation = await automation_on_new_item(deps, owner)

    changed = await interface.update_automation(
        deps, automation_id=automation.id, changes=AutomationUpdate(enabled=False), actor=owner
    )

    assert (changed.enabled, changed.version) == (False, 2)


async def test_a_sandbox_that_cannot_start_fails_the_run_instead_of_stranding_it(
    deps: AutomationsDeps, owner: Principal, world: World, sandbox: ScriptedSandbox
) -> None:
    automation = await automation_on_new_item(deps, owner)
    sandbox.broken = True

    queued = await interface.start_run(deps, automation_id=automation.id, actor=owner)
    await deliver_all(deps, world)

    run = await interface.get_run(deps, automation_id=automation.id, run_id=queued.id, actor=owner)
    assert run.status is RunStatus.FAILED
    assert "could not run" in run.stderr
    assert run.finished_at is not None
