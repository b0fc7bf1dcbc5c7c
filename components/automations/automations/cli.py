"""`armature automations ...`: list automations, run one and wait for it, list its runs."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated
from uuid import UUID

import typer

from api.cli import AsAccount, CliContext, JsonOutput, columns, counted, table
from automations import interface
from automations.dependencies import AutomationsDeps
from automations.models import RunStatus
from automations.serializers import AutomationList, RunListQuery, RunPage, RunRead
from core.errors import ServiceUnavailable
from core.security import Principal

app = typer.Typer(help="Automations: run one and see its result, list them.", no_args_is_help=True)

READ, WRITE = "automations:read", "automations:write"
POLL_SECONDS = 0.2

AutomationId = Annotated[UUID, typer.Argument(help="The automation's id.", show_default=False)]


@app.command("list")
def list_automations(
    ctx: typer.Context,
    item_id: Annotated[UUID, typer.Argument(help="The item's id.", show_default=False)],
    as_account: AsAccount,
    as_json: JsonOutput = False,
) -> None:
    """List an item's automations, oldest first."""
    cli: CliContext = ctx.obj
    deps = cli.deps("automations", AutomationsDeps)
    found = cli.run_as(
        as_account,
        [READ],
        lambda actor: interface.list_automations(deps, item_id=item_id, actor=actor),
    )
    cli.output(AutomationList(items=found), as_json, _automations_text)


@app.command()
def runs(
    ctx: typer.Context,
    *,
    automation_id: AutomationId,
    as_account: AsAccount,
    limit: Annotated[int, typer.Option(help="At most this many (1-100).")] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many, newest first.")] = 0,
    as_json: JsonOutput = False,
) -> None:
    """List an automation's runs, newest first."""
    cli: CliContext = ctx.obj
    query = RunListQuery(limit=limit, offset=offset)
    deps = cli.deps("automations", AutomationsDeps)
    page = cli.run_as(
        as_account,
        [READ],
        lambda actor: interface.list_runs(
            deps, automation_id=automation_id, query=query, actor=actor
        ),
    )
    cli.output(page, as_json, _runs_text)


@app.command()
def run(
    ctx: typer.Context,
    *,
    automation_id: AutomationId,
    as_account: AsAccount,
    wait: Annotated[float, typer.Option(min=0, help="Seconds to wait for a worker.")] = 60.0,
    as_json: JsonOutput = False,
) -> None:
    """Run an automation now, wait for it and show its result; exit 1 unless it succeeded.

    Without RABBITMQ_URL (the in-process queue) this command runs it in the sandbox itself;
    with it, a worker (`armature worker`) runs it and this command waits up to --wait seconds.
    """
    cli: CliContext = ctx.obj
    deps = cli.deps("automations", AutomationsDeps)
    here = cli.queue_is_in_process
    finished = cli.run_as(
        as_account, [WRITE], lambda actor: _run(deps, automation_id, actor, here, wait)
    )
    cli.output(finished, as_json, _run_text)
    if finished.status is not RunStatus.SUCCEEDED:
        raise typer.Exit(1)


async def _run(
    deps: AutomationsDeps, automation_id: UUID, actor: Principal, here: bool, wait: float
) -> RunRead:
    """Start a run, execute it `here` (a no-op if another process took it), await its end."""
    started = await interface.start_run(deps, automation_id=automation_id, actor=actor)
    if here:
        await interface.execute_run(deps, run_id=started.id)
    deadline = time.monotonic() + wait
    while True:
        run = await interface.get_run(
            deps, automation_id=automation_id, run_id=started.id, actor=actor
        )
        if run.finished_at is not None:
            return run
        if time.monotonic() >= deadline:
            raise ServiceUnavailable(
                f"run {run.id} is still {run.status} after {wait:g} s: is `armature worker` "
                f"running? `armature automations runs {automation_id}` shows it later"
            )
        await asyncio.sleep(POLL_SECONDS)


def _run_text(run: RunRead) -> str:
    duration = None if run.duration_ms is None else f"{run.duration_ms} ms"
    summary = columns(
        [
            ["run", run.id],
            ["status", run.status],
            ["exit code", run.exit_code],
            ["duration", duration],
            ["finished at", run.finished_at],
        ]
    )
    stdout = _stream("stdout", run.stdout, truncated=run.stdout_truncated)
    stderr = _stream("stderr", run.stderr, truncated=run.stderr_truncated)
    return f"{summary}\n{stdout}\n{stderr}"


def _stream(name: str, text: str, *, truncated: bool) -> str:
    if not text:
        return f"{name}: (empty)"
    return f"{name}{' (truncated)' if truncated else ''}:\n{text.rstrip()}"


def _automations_text(found: AutomationList) -> str:
    rows = [[a.name, a.enabled, a.timeout_seconds, a.version, a.id] for a in found.items]
    return table(["name", "enabled", "timeout s", "version", "id"], rows)


def _runs_text(page: RunPage) -> str:
    rows = [
        [run.status, run.trigger, run.exit_code, run.duration_ms, run.queued_at, run.id]
        for run in page.items
    ]
    listed = table(["status", "trigger", "exit code", "duration ms", "queued at", "id"], rows)
    return f"{listed}\n{counted(len(rows), page.total, page.offset)}"
