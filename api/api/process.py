"""This process's id without a system call: read at import, and again in a forked child.

Every log line and every metric update asks for it (a gunicorn worker is a fork of the
arbiter, and its samples and lines must carry its own id); `os.getpid()` asks the kernel.
"""

from __future__ import annotations

import os


class _ProcessId:
    value = os.getpid()

    @classmethod
    def refresh(cls) -> None:
        cls.value = os.getpid()


# Runs in the child before any Python code of its own: no line or sample sees the parent's id.
os.register_at_fork(after_in_child=_ProcessId.refresh)


def process_id() -> int:
    """The id of the running process, current across `os.fork()`."""
    return _ProcessId.value
