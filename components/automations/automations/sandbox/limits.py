"""The resource limits of one sandboxed run, and the unprivileged identity it runs as."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, fields

NOBODY = "nobody"
_NOBODY_FALLBACK = (65534, 65534)


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run resource limits; the defaults suit production."""

    memory_bytes: int = 256 * 1024**2
    cpu_seconds: int = 30
    max_processes: int = 16
    output_bytes: int = 64 * 1024
    file_size_bytes: int = 1024**2
    open_files: int = 64
    workspace_bytes: int = 16 * 1024**2

    def __post_init__(self) -> None:
        for field in fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"SandboxLimits.{field.name} must be positive")

    def rlimits(self, processes: int) -> dict[str, tuple[int, int]]:
        """The (soft, hard) rlimits the bootstrap sets, by name in the `resource` module."""
        return {
            "RLIMIT_AS": (self.memory_bytes, self.memory_bytes),
            # Soft = hard: SIGKILL at the limit. A SIGXCPU could be caught, or ignored by pid 1.
            "RLIMIT_CPU": (self.cpu_seconds, self.cpu_seconds),
            "RLIMIT_NPROC": (processes, processes),
            "RLIMIT_FSIZE": (self.file_size_bytes, self.file_size_bytes),
            "RLIMIT_NOFILE": (self.open_files, self.open_files),
            "RLIMIT_CORE": (0, 0),
        }


def default_run_as() -> tuple[int, int] | None:
    """nobody's uid and gid when the backend is root, else None (the backend's own user)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(NOBODY)
    except KeyError:
        return _NOBODY_FALLBACK
    return entry.pw_uid, entry.pw_gid


def resolve_run_as(run_as: tuple[int, int] | None) -> tuple[int, int] | None:
    """The identity to switch to (None: stay the backend's user), refusing root."""
    identity = run_as if run_as is not None else default_run_as()
    if identity is None:
        return None
    uid, _gid = identity
    # Root ignores RLIMIT_NPROC and owns the files it could read: never run snippets as root.
    if uid == 0:
        raise ValueError("refusing to run automations as root: pass an unprivileged uid")
    if os.geteuid() not in {0, uid}:
        raise ValueError(f"only root may run automations as another user (uid {uid})")
    return identity


SETPRIV = "/usr/bin/setpriv"


def spawn_identity(run_as: tuple[int, int] | None) -> list[str]:
    """A command prefix that starts the child as run_as, with no extra groups or capabilities.

    util-linux's setpriv rather than subprocess's `user=`/`group=`: uvloop, the event loop
    uvicorn and gunicorn run under, refuses those arguments.
    """
    if run_as is None or run_as == (os.geteuid(), os.getegid()):
        return []
    uid, gid = run_as
    return [SETPRIV, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all", "--"]
