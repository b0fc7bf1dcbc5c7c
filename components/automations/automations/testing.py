"""In-memory doubles of the automations ports and a scripted sandbox, for unit tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import httpx

from automations.models import Automation, Run
from automations.repository import AutomationsUnitOfWork
from automations.sandbox import SandboxResult
from core.interfaces import Message
from core.testing import InMemoryRepository, InMemoryUnitOfWork
from items.models import Item


class FakeAutomationRepository(InMemoryRepository[Automation]):
    async def for_item(self, item_id: UUID, *, enabled_only: bool = False) -> list[Automation]:
        found = [
            automation
            for automation in self.visible()
            if automation.item_id == item_id and (automation.enabled or not enabled_only)
        ]
        return sorted(found, key=lambda automation: (automation.created_at, automation.id))

    async def remove_for_item(self, item_id: UUID) -> int:
        doomed = await self.for_item(item_id)
        for automation in doomed:
            await self.remove(automation)
        return len(doomed)


class FakeRunRepository(InMemoryRepository[Run]):
    async def page(self, automation_id: UUID, limit: int, offset: int) -> tuple[list[Run], int]:
        runs = [run for run in self.visible() if run.automation_id == automation_id]
        runs.sort(key=lambda run: (run.queued_at, run.id), reverse=True)
        return runs[offset : offset + limit], len(runs)


class World:
    """Everything the fakes share: committed rows, the outbox, processed messages."""

    def __init__(self) -> None:
        self.items: dict[UUID, Item] = {}
        self.automations: dict[UUID, Automation] = {}
        self.runs: dict[UUID, Run] = {}
        self.outbox: list[Message] = []
        self.processed: set[tuple[str, UUID]] = set()

    def events(self, event_type: str) -> list[Message]:
        return [event for event in self.outbox if event.type == event_type]


class FakeAutomationsUnitOfWork(InMemoryUnitOfWork, AutomationsUnitOfWork):
    def __init__(self, world: World) -> None:
        self.automations = FakeAutomationRepository(world.automations)
        self.runs = FakeRunRepository(world.runs)
        super().__init__(
            self.automations, self.runs, outbox=world.outbox, processed=world.processed
        )


class ScriptedSandbox:
    """Answers every run with the next scripted result, and remembers what it ran."""

    def __init__(self) -> None:
        self.results: list[SandboxResult] = []
        self.broken = False
        self.ran: list[tuple[str, Mapping[str, Any], float]] = []

    async def run(
        self, code: str, event: Mapping[str, Any], timeout_seconds: float
    ) -> SandboxResult:
        self.ran.append((code, event, timeout_seconds))
        if self.broken:
            raise OSError("cannot spawn")
        if self.results:
            return self.results.pop(0)
        return result(exit_code=0, stdout="ok\n")


def result(
    *, exit_code: int | None, stdout: str = "", stderr: str = "", timed_out: bool = False
) -> SandboxResult:
    return SandboxResult(
        exit_code=exit_code, stdout=stdout, stderr=stderr, stdout_truncated=False,
        stderr_truncated=False, timed_out=timed_out, duration_ms=12,
    )  # fmt: skip


async def item_with_automation(
    http: httpx.AsyncClient,
    auth: Mapping[str, str],
    code: str,
    *,
    item_name: str = "Old",
    **fields: object,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new item of the caller's with one automation running `code`, as the API returned them."""
    item: dict[str, Any] = (
        await http.post("/api/v1/items", json={"name": item_name}, headers=auth)
    ).json()
    created = await http.post(
        f"/api/v1/items/{item['id']}/automations",
        json={"name": "probe", "code": code, **fields},
        headers=auth,
    )
    created.raise_for_status()
    automation: dict[str, Any] = created.json()
    return item, automation
