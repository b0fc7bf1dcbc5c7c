"""Automations and their runs: plain dataclasses, mapped onto tables elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from core.events import RecordsEvents
from core.interfaces import Message

EDITABLE_FIELDS = frozenset({"name", "code", "enabled", "timeout_seconds"})
RUN_REQUESTED = "automation.run.requested"
RUN_FINISHED = "automation.run.finished"


class Trigger(StrEnum):
    ITEM_UPDATED = "item.updated"
    MANUAL = "manual"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"


@dataclass(eq=False)
class Automation:
    """Python source attached to an item, run in the sandbox when the item changes.

    `owner_id` is the item's owner when the automation was made: it is owned through its item.
    """

    id: UUID
    item_id: UUID
    owner_id: UUID | None
    name: str
    code: str
    enabled: bool
    timeout_seconds: int
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def create(
        cls, *, item_id: UUID, owner_id: UUID | None, values: Mapping[str, Any], now: datetime
    ) -> Automation:
        return cls(
            id=uuid4(), item_id=item_id, owner_id=owner_id, created_at=now, updated_at=now,
            name=values["name"], code=values["code"], enabled=values["enabled"],
            timeout_seconds=values["timeout_seconds"],
        )  # fmt: skip

    def update(self, changes: Mapping[str, Any], now: datetime) -> bool:
        """Apply the changed fields; True when anything changed (and the version moved)."""
        unknown = changes.keys() - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        changed = {key: value for key, value in changes.items() if getattr(self, key) != value}
        for key, value in changed.items():
            setattr(self, key, value)
        if changed:
            self.version += 1
            self.updated_at = now
        return bool(changed)


@dataclass(frozen=True)
class RunOutcome:
    """What the sandbox reports about one finished run."""

    status: RunStatus
    exit_code: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    duration_ms: int


@dataclass(eq=False)
class Run(RecordsEvents):
    """One execution of an automation; records `automation.run.requested` and `.finished`."""

    id: UUID
    automation_id: UUID
    owner_id: UUID | None
    trigger: Trigger
    event: dict[str, Any]
    status: RunStatus
    queued_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    duration_ms: int | None = None

    @classmethod
    def queue(
        cls, automation: Automation, *, trigger: Trigger, event: dict[str, Any], now: datetime
    ) -> Run:
        """A queued run of `automation`, seeing `event`."""
        run = cls(
            id=uuid4(), automation_id=automation.id, owner_id=automation.owner_id,
            trigger=trigger, event=event, status=RunStatus.QUEUED, queued_at=now,
        )  # fmt: skip
        run._record(RUN_REQUESTED, now, {"run_id": str(run.id)})
        return run

    def start(self, now: datetime) -> bool:
        """Mark the run running; False when it is not queued (it was started before)."""
        if self.status is not RunStatus.QUEUED:
            return False
        self.status = RunStatus.RUNNING
        self.started_at = now
        return True

    def finish(self, outcome: RunOutcome, now: datetime) -> None:
        """Keep the outcome and announce it."""
        self.status = outcome.status
        self.exit_code = outcome.exit_code
        self.stdout, self.stderr = outcome.stdout, outcome.stderr
        self.stdout_truncated = outcome.stdout_truncated
        self.stderr_truncated = outcome.stderr_truncated
        self.duration_ms = outcome.duration_ms
        self.finished_at = now
        self._record(RUN_FINISHED, now, {"run": self.summary()})

    def summary(self) -> dict[str, Any]:
        """The run without its output and event: what the finished event carries."""
        return {
            "id": str(self.id),
            "automation_id": str(self.automation_id),
            "trigger": self.trigger.value,
            "status": self.status.value,
            "exit_code": self.exit_code,
            "duration_ms": self.duration_ms,
        }

    def _record(self, event_type: str, now: datetime, data: dict[str, Any]) -> None:
        audience = None if self.owner_id is None else str(self.owner_id)
        self.record_event(Message(type=event_type, data=data, occurred_at=now, audience=audience))
