"""Runs untrusted automation snippets in an isolated, resource-limited process."""

from automations.sandbox.isolation import (
    Interpreter,
    Isolation,
    SandboxUnavailable,
    detect_isolation,
    find_interpreter,
    probe_isolation,
)
from automations.sandbox.limits import SandboxLimits
from automations.sandbox.runner import MAX_CODE_BYTES, SandboxResult, SandboxRunner

__all__ = [
    "MAX_CODE_BYTES",
    "Interpreter",
    "Isolation",
    "SandboxLimits",
    "SandboxResult",
    "SandboxRunner",
    "SandboxUnavailable",
    "detect_isolation",
    "find_interpreter",
    "probe_isolation",
]
