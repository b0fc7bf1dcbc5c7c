"""SandboxRunner semantics: output, the event, exit codes, workspaces, concurrency, fallbacks."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
import uvloop

from automations.sandbox import (
    MAX_CODE_BYTES,
    Isolation,
    SandboxLimits,
    SandboxRunner,
    probe_isolation,
)
from automations.sandbox.isolation import DEFAULT_SEARCH_PATH, WORKDIR

EVENT = {
    "type": "item.updated",
    "item": {"id": 7, "name": "lamp", "tags": ["a", "é"]},
    "previous": {"id": 7, "name": "lump", "tags": ["a"]},
    "occurred_at": "2026-11-22T10:00:00+00:00",
}


def bubblewrap_runner(
    limits: SandboxLimits = SandboxLimits(),  # noqa: B008 - frozen
    max_concurrent_runs: int = 4,
    run_as: tuple[int, int] | None = None,
) -> SandboxRunner:
    """A runner on bubblewrap; fails loudly where bubblewrap is missing, as CI installs it."""
    if shutil.which("bwrap", path=DEFAULT_SEARCH_PATH) is None:
        pytest.fail("bwrap missing: install the `bubblewrap` package (apt-get install bubblewrap)")
    if not probe_isolation(Isolation.BUBBLEWRAP):
        pytest.fail("bwrap cannot create its namespaces: allow unprivileged user namespaces")
    return SandboxRunner(Isolation.BUBBLEWRAP, limits, max_concurrent_runs, run_as)


@pytest.fixture(scope="module")
def runner() -> SandboxRunner:
    return bubblewrap_runner()


def test_runs_under_uvloop_as_uvicorn_and_gunicorn_serve(runner: SandboxRunner) -> None:
    """uvloop's subprocess support differs from asyncio's (no `user=`, its own pipe types)."""
    result = uvloop.run(runner.run("print(event['n'] + 1)", {"n": 41}, timeout_seconds=10))

    assert (result.exit_code, result.stdout) == (0, "42\n")


async def test_print_goes_to_stdout(runner: SandboxRunner) -> None:
    result = await runner.run("print('hello')\nprint('world')", EVENT, timeout_seconds=10)

    assert (result.exit_code, result.stdout, result.stderr) == (0, "hello\nworld\n", "")
    assert not result.timed_out
    assert not result.stdout_truncated
    assert not result.stderr_truncated
    assert 0 < result.duration_ms < 5000


async def test_event_and_name_are_the_only_globals(runner: SandboxRunner) -> None:
    code = (
        "import json\n"
        "print(json.dumps({'event': event, 'name': __name__,"
        " 'globals': sorted(k for k in dict(globals()) if k not in ('json',))}))"
    )
    result = await runner.run(code, EVENT, timeout_seconds=10)

    seen = json.loads(result.stdout)
    assert seen["event"] == EVENT
    assert seen["name"] == "__automation__"
    assert seen["globals"] == ["__builtins__", "__name__", "event"]


async def test_uncaught_exception_exits_1_with_a_traceback_of_the_snippet(
    runner: SandboxRunner,
) -> None:
    result = await runner.run("x = 1\nraise ValueError('boom')", EVENT, timeout_seconds=10)

    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert 'File "<automation>", line 2' in result.stderr
    assert "raise ValueError('boom')" in result.stderr
    assert result.stderr.rstrip().endswith("ValueError: boom")
    assert "bootstrap" not in result.stderr


async def test_sys_exit_sets_the_exit_code(runner: SandboxRunner) -> None:
    result = await runner.run("import sys\nprint('bye')\nsys.exit(3)", EVENT, timeout_seconds=10)

    assert (result.exit_code, result.stdout, result.timed_out) == (3, "bye\n", False)


async def test_syntax_error_exits_1(runner: SandboxRunner) -> None:
    result = await runner.run("def broken(:\n    pass", EVENT, timeout_seconds=10)

    assert result.exit_code == 1
    assert "SyntaxError" in result.stderr


async def test_undecodable_output_is_replaced_not_fatal(runner: SandboxRunner) -> None:
    code = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe')\nsys.stderr.write('é')"
    result = await runner.run(code, EVENT, timeout_seconds=10)

    assert (result.exit_code, result.stdout, result.stderr) == (0, "ok \ufffd\ufffd", "é")


async def test_code_over_64_kib_is_refused(runner: SandboxRunner) -> None:
    with pytest.raises(ValueError, match="at most"):
        await runner.run("#" * (MAX_CODE_BYTES + 1), EVENT, timeout_seconds=10)


async def test_workspace_is_a_fresh_writable_directory_per_run(runner: SandboxRunner) -> None:
    write = "import os\nopen('note.txt', 'w').write('x')\nprint(os.getcwd(), os.listdir('.'))"
    first = await runner.run(write, EVENT, timeout_seconds=10)
    second = await runner.run("import os\nprint(os.listdir('.'))", EVENT, timeout_seconds=10)

    assert first.stdout == f"{WORKDIR} ['note.txt']\n"
    assert second.stdout == "[]\n"


async def test_a_looping_run_does_not_delay_a_concurrent_one(runner: SandboxRunner) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    slow = asyncio.create_task(runner.run("while True:\n    pass", EVENT, timeout_seconds=3))
    await asyncio.sleep(0.2)

    fast = await runner.run("print('quick')", EVENT, timeout_seconds=3)
    fast_done = loop.time() - started

    assert fast.stdout == "quick\n"
    assert fast_done < 1.5
    assert (await slow).timed_out


async def test_event_loop_keeps_ticking_while_a_run_computes(runner: SandboxRunner) -> None:
    loop = asyncio.get_running_loop()
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(loop.time())
            await asyncio.sleep(0.05)

    ticker = asyncio.create_task(tick())
    code = "import time\nend = time.monotonic() + 1.5\nwhile time.monotonic() < end:\n    pass"
    result = await runner.run(code, EVENT, timeout_seconds=10)
    ticker.cancel()

    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert result.exit_code == 0
    assert len(ticks) >= 20
    assert max(gaps) < 0.5


async def test_cancelling_a_run_kills_its_sandbox() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root, to give the run a uid of its own to count its processes by")
    own_uid = 2_000_000_000 + secrets.randbelow(10**6)
    cancellable = bubblewrap_runner(run_as=(own_uid, own_uid))
    code = "import os, time\nos.fork()\nprint(flush=True)\ntime.sleep(60)"
    run = asyncio.create_task(cancellable.run(code, EVENT, timeout_seconds=60))
    await asyncio.sleep(0.5)
    assert len(processes_of(own_uid)) >= 3

    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    await asyncio.sleep(0.2)
    assert processes_of(own_uid) == []


def processes_of(uid: int) -> list[str]:
    """Host processes whose real uid is uid."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            if f"\nUid:\t{uid}\t" in status:
                found.append(pid)
    return found


async def test_max_concurrent_runs_bounds_overlapping_runs() -> None:
    serial = bubblewrap_runner(max_concurrent_runs=1)
    code = "import time\nstart = time.monotonic()\ntime.sleep(0.3)\nprint(start, time.monotonic())"

    results = await asyncio.gather(*(serial.run(code, EVENT, timeout_seconds=10) for _ in range(3)))

    spans = sorted(tuple(map(float, result.stdout.split())) for result in results)
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(spans))


def _usable(isolation: Isolation) -> SandboxRunner:
    """A runner on a fallback isolation, skipped where this host cannot provide it."""
    if not probe_isolation(isolation):
        pytest.skip(f"{isolation.value} does not work on this host")
    return SandboxRunner(isolation, SandboxLimits(), max_concurrent_runs=2)


@pytest.mark.parametrize("isolation", [Isolation.UNSHARE, Isolation.RLIMITS_ONLY])
async def test_fallback_runs_in_a_fresh_host_directory_removed_afterwards(
    isolation: Isolation,
) -> None:
    fallback = _usable(isolation)
    code = (
        "import json, os, socket\nopen('note.txt', 'w').write('x')\n"
        "print(json.dumps({'cwd': os.getcwd(), 'files': os.listdir('.'), 'env': dict(os.environ),"
        " 'uid': os.getuid(), 'nics': [n for _, n in socket.if_nameindex()], 'event': event}))"
    )
    result = await fallback.run(code, EVENT, timeout_seconds=10)

    seen = json.loads(result.stdout)
    assert Path(seen["cwd"]).parent == Path(tempfile.gettempdir())
    assert seen["files"] == ["note.txt"]
    assert not await asyncio.to_thread(os.path.exists, seen["cwd"])
    assert set(seen["env"]) <= {"LC_CTYPE"}
    assert seen["event"] == EVENT
    if os.geteuid() == 0:
        assert seen["uid"] == 65534
    assert (seen["nics"] == ["lo"]) is isolation.isolates_network


@pytest.mark.parametrize("isolation", [Isolation.UNSHARE, Isolation.RLIMITS_ONLY])
async def test_fallback_still_applies_limits_and_timeouts(isolation: Isolation) -> None:
    fallback = _usable(isolation)

    memory = await fallback.run("bytearray(8 * 1024**3)", EVENT, timeout_seconds=10)
    looping = await fallback.run("while True:\n    pass", EVENT, timeout_seconds=1)

    assert memory.exit_code == 1
    assert "MemoryError" in memory.stderr
    assert looping.timed_out
    assert looping.duration_ms < 3000
