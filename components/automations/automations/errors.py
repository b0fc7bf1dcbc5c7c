"""What can go wrong with automations, in the core error kinds."""

from __future__ import annotations

from uuid import UUID

from core.errors import NotFound, PreconditionFailed


class AutomationNotFound(NotFound):
    code = "automation_not_found"

    def __init__(self, automation_id: UUID) -> None:
        super().__init__(f"Automation {automation_id} does not exist.")


class RunNotFound(NotFound):
    code = "automation_run_not_found"

    def __init__(self, run_id: UUID) -> None:
        super().__init__(f"Run {run_id} does not exist.")


class AutomationVersionMismatch(PreconditionFailed):
    code = "automation_version_mismatch"

    def __init__(self, automation_id: UUID) -> None:
        super().__init__(
            f"Automation {automation_id} is no longer at the version If-Match names; "
            "fetch it again before changing it."
        )
