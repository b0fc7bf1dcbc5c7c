"""The automations component's own settings: how runs are bounded and isolated."""

from __future__ import annotations

from pydantic import Field

from core.settings import ArmatureSettings


class AutomationsSettings(ArmatureSettings):
    """Every field is an environment variable of the same name, upper-cased."""

    automations_max_concurrent_runs: int = Field(
        default=2, ge=1, description="Runs executed at once by one worker process."
    )
    automations_memory_mb: int = Field(
        default=256, ge=32, description="Address-space limit of one run, in MiB."
    )
    automations_max_processes: int = Field(
        default=16, ge=1, description="Processes one run may have at once (fork bombs stop here)."
    )
    automations_output_bytes: int = Field(
        default=65_536,
        ge=1024,
        description="Stdout and stderr kept per run, each; the rest is cut.",
    )
    automations_allow_unisolated: bool = Field(
        default=False,
        description="Run automations in production even without network and filesystem "
        "isolation (bubblewrap or user namespaces unavailable). Unsafe.",
        json_schema_extra={"production": "`false`: a worker without isolation refuses to run"},
    )
