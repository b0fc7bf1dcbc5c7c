"""The automations component's input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from automations.models import RunStatus, Trigger

MAX_CODE_BYTES = 64 * 1024


def _fits(code: str) -> str:
    if len(code.encode()) > MAX_CODE_BYTES:
        raise ValueError(f"code is limited to {MAX_CODE_BYTES} bytes of UTF-8")
    return code


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(min_length=1), AfterValidator(_fits)]
Timeout = Annotated[int, Field(ge=1, le=30, description="Wall-clock limit of one run.")]


class AutomationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    code: Code = Field(description="Python source; sees the triggering event as `event`.")
    enabled: bool = True
    timeout_seconds: Timeout = 5


class AutomationUpdate(BaseModel):
    """A partial update: only the fields present change."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    code: Code | None = None
    enabled: bool | None = None
    timeout_seconds: Timeout | None = None

    @model_validator(mode="after")
    def _nothing_is_cleared(self) -> AutomationUpdate:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class AutomationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    item_id: UUID
    name: str
    code: str
    enabled: bool
    timeout_seconds: int
    version: int
    created_at: datetime
    updated_at: datetime


class AutomationList(BaseModel):
    items: list[AutomationRead]


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    automation_id: UUID
    trigger: Trigger
    status: RunStatus
    exit_code: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None


class RunListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)


class RunPage(BaseModel):
    items: list[RunRead]
    total: int
    limit: int
    offset: int
