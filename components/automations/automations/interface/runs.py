"""Runs: queued by a request or an item change, executed in the sandbox by a consumer."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from automations.dependencies import AutomationsDeps
from automations.errors import RunNotFound
from automations.interface.automations import existing
from automations.models import Run, RunOutcome, RunStatus, Trigger
from automations.sandbox import SandboxResult
from automations.serializers import RunListQuery, RunPage, RunRead
from core.security import Principal
from core.tracing import tracer
from items import interface as items

logger = logging.getLogger(__name__)


async def start_run(deps: AutomationsDeps, *, automation_id: UUID, actor: Principal) -> RunRead:
    """Queue a manual run (enabled or not) that sees the item as it is now; AutomationNotFound."""
    async with deps.uow() as uow:
        item_id = (await existing(uow, automation_id, actor)).item_id
    # Between the units: a nested unit would wait forever for SQLite's write lock.
    item = await items.get_item(deps.items, item_id=item_id, actor=actor)
    now = deps.clock()
    async with deps.uow() as uow:
        automation = await existing(uow, automation_id, actor)
        event = {
            "type": Trigger.MANUAL.value,
            "item": item.model_dump(mode="json"),
            "previous": None,
            "occurred_at": now.isoformat(),
        }
        run = Run.queue(automation, trigger=Trigger.MANUAL, event=event, now=now)
        await uow.runs.add(run)
        await uow.commit()
    return RunRead.model_validate(run)


async def list_runs(
    deps: AutomationsDeps, *, automation_id: UUID, query: RunListQuery, actor: Principal
) -> RunPage:
    """One page of the automation's runs, newest first; AutomationNotFound."""
    async with deps.uow() as uow:
        await existing(uow, automation_id, actor)
        runs, total = await uow.runs.page(automation_id, query.limit, query.offset)
        return RunPage(
            items=[RunRead.model_validate(run) for run in runs],
            total=total,
            limit=query.limit,
            offset=query.offset,
        )


async def get_run(
    deps: AutomationsDeps, *, automation_id: UUID, run_id: UUID, actor: Principal
) -> RunRead:
    """One run of the automation; AutomationNotFound or RunNotFound."""
    async with deps.uow() as uow:
        await existing(uow, automation_id, actor)
        run = await uow.runs.get(run_id)
        if run is None or run.automation_id != automation_id:
            raise RunNotFound(run_id)
        return RunRead.model_validate(run)


EXECUTOR = "automations.executor"


async def execute_run(
    deps: AutomationsDeps, *, run_id: UUID, message_id: UUID | None = None
) -> RunStatus | None:
    """Run a queued run in the sandbox and keep its outcome; None when it was not queued.

    Marked running in its own transaction first, together with the claim of the message
    that asked for it, so two deliveries racing each other never run the code twice.
    """
    async with deps.uow() as uow:
        if message_id is not None and not await uow.first_delivery(EXECUTOR, message_id):
            return None
        run = await uow.runs.get(run_id)
        automation = None if run is None else await uow.automations.get(run.automation_id)
        if run is None or automation is None or not run.start(deps.clock()):
            return None
        code, timeout, event = automation.code, automation.timeout_seconds, run.event
        await uow.commit()
    outcome = await _sandboxed(deps, code, event, timeout)
    async with deps.uow() as uow:
        run = await uow.runs.get(run_id)
        if run is None:  # deleted with its automation meanwhile
            return None
        run.finish(outcome, deps.clock())
        await uow.commit()
    logger.info("automation run %s %s in %d ms", run_id, run.status.value, outcome.duration_ms)
    return run.status


async def _sandboxed(
    deps: AutomationsDeps, code: str, event: dict[str, Any], timeout_seconds: int
) -> RunOutcome:
    """The sandbox's verdict; a sandbox that cannot start fails the run instead of stranding it.

    The run is already claimed and marked running, so a retry of the message would skip it.
    """
    try:
        with tracer.start_as_current_span("automation.run") as span:
            outcome = _outcome(await deps.sandbox().run(code, event, timeout_seconds))
            span.set_attribute("automation.run.status", outcome.status.value)
            return outcome
    except Exception as exc:  # any failure to launch must still finish the run
        logger.exception("automation sandbox failed to run")
        return RunOutcome(
            status=RunStatus.FAILED, exit_code=None, stdout="",
            stderr=f"the sandbox could not run this automation ({type(exc).__name__})",
            stdout_truncated=False, stderr_truncated=False, duration_ms=0,
        )  # fmt: skip


def _outcome(result: SandboxResult) -> RunOutcome:
    if result.timed_out:
        status = RunStatus.TIMED_OUT
    elif result.exit_code == 0:
        status = RunStatus.SUCCEEDED
    else:
        status = RunStatus.FAILED
    return RunOutcome(
        status=status,
        exit_code=result.exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        stdout_truncated=result.stdout_truncated,
        stderr_truncated=result.stderr_truncated,
        duration_ms=result.duration_ms,
    )
