"""What the generator refuses or fails at; the CLI prints the message, never a traceback."""

from __future__ import annotations


class ScaffoldError(Exception):
    """Nothing was generated; the message says why."""


class InvalidComponentName(ScaffoldError, ValueError):
    """The name cannot become a component; the message says why and what would do."""


class WorkspaceError(ScaffoldError, RuntimeError):
    """The workspace cannot take the new member; the message says why."""
