"""SandboxRunner: each automation in its own isolated, limited process, a few at a time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from automations.sandbox import bootstrap
from automations.sandbox.isolation import (
    DEFAULT_SEARCH_PATH,
    Interpreter,
    Isolation,
    SandboxUnavailable,
    find_interpreter,
    sandbox_command,
)
from automations.sandbox.limits import SandboxLimits, resolve_run_as, spawn_identity

MAX_CODE_BYTES = 64 * 1024
# After a kill, how long the pipes may take to close before they are torn down regardless.
_KILL_GRACE_SECONDS = 2.0
_STDIN, _STDOUT, _STDERR = 0, 1, 2


@dataclass(frozen=True)
class SandboxResult:
    """What a run did: its exit code (None when timed out), capped output and duration."""

    exit_code: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_ms: int


class SandboxRunner:
    """Runs automations in isolated, resource-limited processes, at most N at a time."""

    def __init__(
        self,
        isolation: Isolation,
        limits: SandboxLimits = SandboxLimits(),  # noqa: B008 - frozen, so safely shared
        max_concurrent_runs: int = 4,
        run_as: tuple[int, int] | None = None,
        *,
        interpreter: Interpreter | None = None,
        search_path: str = DEFAULT_SEARCH_PATH,
    ) -> None:
        if max_concurrent_runs < 1:
            raise ValueError("max_concurrent_runs must be at least 1")
        self.isolation = isolation
        self._limits = limits
        self._run_as = resolve_run_as(run_as)
        self._identity = spawn_identity(self._run_as)
        source = Path(bootstrap.__file__).read_text(encoding="utf-8")
        chosen = interpreter or find_interpreter(self._run_as)
        self._command = sandbox_command(isolation, chosen, ["-c", source], limits, search_path)
        # A user namespace counts each run's processes apart; without one, runs share the uid's.
        shared_by = 1 if isolation.isolates_processes else max_concurrent_runs
        self._rlimits = limits.rlimits(limits.max_processes * shared_by)
        self._slots = asyncio.Semaphore(max_concurrent_runs)

    async def run(
        self, code: str, event: Mapping[str, Any], timeout_seconds: float
    ) -> SandboxResult:
        """Run code with the global `event`; killed after timeout_seconds, its output capped."""
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        payload = self._payload(code, event)
        async with self._slots, self._workspace() as cwd:
            return await self._execute(payload, cwd, timeout_seconds)

    def _payload(self, code: str, event: Mapping[str, Any]) -> bytes:
        """The bootstrap's stdin: the code, the event and the limits, as JSON."""
        if len(code.encode("utf-8", errors="surrogatepass")) > MAX_CODE_BYTES:
            raise ValueError(f"an automation is at most {MAX_CODE_BYTES} bytes of source")
        document = {"code": code, "event": dict(event), "rlimits": self._rlimits}
        # Datetimes, UUIDs and decimals reach the snippet as their text.
        return json.dumps(document, default=str).encode()

    @contextlib.asynccontextmanager
    async def _workspace(self) -> AsyncIterator[str]:
        """The run's working directory: bubblewrap mounts its own; others get a fresh host one."""
        if self.isolation.isolates_filesystem:
            yield "/"
            return
        path = tempfile.mkdtemp(prefix="armature-automation-")
        try:
            if self._run_as is not None:
                os.chown(path, *self._run_as)
            yield path
        finally:
            await asyncio.to_thread(shutil.rmtree, path, ignore_errors=True)

    async def _execute(self, payload: bytes, cwd: str, seconds: float) -> SandboxResult:
        """Start the sandbox, feed it, wait for it or kill it, and collect what it printed."""
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        transport, protocol = await loop.subprocess_exec(
            lambda: _RunProtocol(self._limits.output_bytes),
            *self._identity,
            *self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},
            cwd=cwd,
            start_new_session=True,
        )
        try:
            _feed(transport, payload)
            await asyncio.wait([protocol.exited], timeout=seconds)
            timed_out = not protocol.exited.done()
        finally:
            # Also when the caller is cancelled mid-run: nothing of the run may outlive it.
            try:
                await _stop(transport, protocol, self.isolation.isolates_processes)
            finally:
                transport.close()
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return protocol.result(transport.get_returncode(), timed_out, elapsed_ms)


class _RunProtocol(asyncio.SubprocessProtocol):
    """Keeps stdout and stderr up to a cap; past it, closes that pipe so the writer gets EPIPE."""

    def __init__(self, cap: int) -> None:
        loop = asyncio.get_running_loop()
        self.exited: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self._output = {_STDOUT: bytearray(), _STDERR: bytearray()}
        self._truncated = {_STDOUT: False, _STDERR: False}
        self._cap = cap
        self._transport: asyncio.SubprocessTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.SubprocessTransport", transport)

    def pipe_data_received(self, fd: int, data: bytes | bytearray) -> None:
        if self._truncated[fd]:
            return
        buffer = self._output[fd]
        room = self._cap - len(buffer)
        buffer += data[:room]
        if len(data) > room:
            self._truncated[fd] = True
            # Not draining the rest: a flood then costs the backend neither memory nor CPU.
            pipe = self._transport.get_pipe_transport(fd) if self._transport else None
            if pipe is not None:
                pipe.close()

    def process_exited(self) -> None:
        _settle(self.exited)

    def connection_lost(self, exc: Exception | None) -> None:
        _settle(self.exited)
        _settle(self.closed)

    def result(self, returncode: int | None, timed_out: bool, duration_ms: int) -> SandboxResult:
        """The run's result from what was collected."""
        return SandboxResult(
            exit_code=None if timed_out else _exit_code(returncode),
            stdout=self._output[_STDOUT].decode("utf-8", errors="replace"),
            stderr=self._output[_STDERR].decode("utf-8", errors="replace"),
            stdout_truncated=self._truncated[_STDOUT],
            stderr_truncated=self._truncated[_STDERR],
            timed_out=timed_out,
            duration_ms=duration_ms,
        )


def _feed(transport: asyncio.SubprocessTransport, payload: bytes) -> None:
    """Write the payload to the child's stdin, then close it (after the buffer drains)."""
    # Not an isinstance check: uvloop's pipe transports do not derive from asyncio's classes.
    stdin = cast("asyncio.WriteTransport | None", transport.get_pipe_transport(_STDIN))
    if stdin is None:
        raise SandboxUnavailable("the sandbox's stdin is not open")
    stdin.write(payload)
    stdin.close()


async def _stop(
    transport: asyncio.SubprocessTransport, protocol: _RunProtocol, namespaced: bool
) -> None:
    """Kill whatever of the run still runs, then give its pipes a moment to close."""
    pid = transport.get_pid()
    if namespaced and not protocol.exited.done():
        # Kill the sandbox's pid 1, not bwrap (or unshare): the kernel then ends its whole pid
        # namespace and bwrap, still alive, reaps it. Killing bwrap first would orphan that pid 1
        # to the host's PID 1, a zombie until it is reaped (never, if PID 1 is this app).
        _kill_children(pid)
        await asyncio.wait([protocol.exited], timeout=_KILL_GRACE_SECONDS)
    if not namespaced or not protocol.exited.done():
        # Without a pid namespace, what the snippet forked into the group survives it unless swept.
        _kill_group(pid)
    await asyncio.wait([protocol.closed], timeout=_KILL_GRACE_SECONDS)


def _kill_children(pid: int) -> None:
    """SIGKILL the direct children of pid (bwrap's or unshare's: the sandbox's pid 1)."""
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(child), signal.SIGKILL)


def _kill_group(pid: int) -> None:
    """SIGKILL the run's process group."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _settle(future: asyncio.Future[None]) -> None:
    """Resolve future unless it already is."""
    if not future.done():
        future.set_result(None)


def _exit_code(returncode: int | None) -> int | None:
    """The exit status, a signal death reported as 128 + signal like a shell (and bwrap) does."""
    if returncode is None or returncode >= 0:
        return returncode
    return 128 - returncode
