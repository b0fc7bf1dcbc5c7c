"""Hostile automations under bubblewrap: each attack fails and the host stays fine."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from automations.sandbox import Isolation, SandboxLimits, SandboxRunner, probe_isolation
from automations.sandbox.bootstrap import MARKER
from automations.sandbox.isolation import DEFAULT_SEARCH_PATH

REPO = Path(__file__).resolve().parents[4]
LIMITS = SandboxLimits()
# As root, a uid of their own: this module's sandbox processes count exactly, amid other sessions'.
OWN_UID = 2_000_000_000 + secrets.randbelow(10**6) if os.geteuid() == 0 else None
EVENT = {"type": "item.updated", "item": {"id": 1}, "previous": {"id": 1}}
# Processes other work on this host may start meanwhile; an escaped fork bomb makes thousands.
HOST_NOISE = 50


def bubblewrap_runner(limits: SandboxLimits = LIMITS) -> SandboxRunner:
    """A runner on bubblewrap; fails loudly where bubblewrap is missing, as CI installs it."""
    if shutil.which("bwrap", path=DEFAULT_SEARCH_PATH) is None:
        pytest.fail("bwrap missing: install the `bubblewrap` package (apt-get install bubblewrap)")
    if not probe_isolation(Isolation.BUBBLEWRAP):
        pytest.fail("bwrap cannot create its namespaces: allow unprivileged user namespaces")
    run_as = None if OWN_UID is None else (OWN_UID, OWN_UID)
    return SandboxRunner(Isolation.BUBBLEWRAP, limits, run_as=run_as)


@pytest.fixture(scope="module")
def runner() -> SandboxRunner:
    return bubblewrap_runner()


def host_pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def sandbox_pids() -> list[int]:
    """Host processes of this module's sandboxes (of any sandbox when not root)."""
    return [pid for pid in host_pids() if is_sandbox(pid)]


def is_sandbox(pid: int) -> bool:
    try:
        if OWN_UID is None:
            return MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    real_uid = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1]
    return int(real_uid) == OWN_UID


def rss_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


async def assert_no_sandbox_process_left() -> None:
    for _ in range(20):
        if not sandbox_pids():
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"sandbox processes survived the run: {sandbox_pids()}")


@pytest.mark.parametrize("code", ["while True:\n    pass", "import time\ntime.sleep(3600)"])
async def test_endless_run_times_out_on_time_and_is_killed(
    runner: SandboxRunner, code: str
) -> None:
    result = await runner.run(code, EVENT, timeout_seconds=1)

    assert result.timed_out
    assert result.exit_code is None
    assert 1000 <= result.duration_ms < 2500
    await assert_no_sandbox_process_left()


async def test_cpu_limit_kills_a_busy_run_before_its_timeout() -> None:
    limited = bubblewrap_runner(SandboxLimits(cpu_seconds=1))

    result = await limited.run("while True:\n    pass", EVENT, timeout_seconds=10)

    assert not result.timed_out
    assert result.exit_code == 128 + signal.SIGKILL
    assert result.duration_ms < 4000


async def test_allocating_8_gib_fails_with_memory_error(runner: SandboxRunner) -> None:
    before = rss_bytes()

    result = await runner.run("data = bytearray(8 * 1024**3)", EVENT, timeout_seconds=10)

    assert result.exit_code == 1
    assert result.stderr.rstrip().endswith("MemoryError")
    assert rss_bytes() - before < 16 * 1024**2


FORK_BOMB = "import os\nwhile True:\n    os.fork()"
STUBBORN_FORK_BOMB = (
    "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
)


@pytest.mark.parametrize(
    ("code", "dies_of_a_refused_fork"),
    [(FORK_BOMB, True), (STUBBORN_FORK_BOMB, False)],
    ids=["plain", "stubborn"],
)
async def test_fork_bomb_is_contained_and_leaves_nothing(
    runner: SandboxRunner, code: str, dies_of_a_refused_fork: bool
) -> None:
    baseline = len(host_pids())
    peaks = {"sandbox": 0, "host": 0}

    async def watch() -> None:
        while True:
            peaks["sandbox"] = max(peaks["sandbox"], len(sandbox_pids()))
            peaks["host"] = max(peaks["host"], len(host_pids()))
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    result = await runner.run(code, EVENT, timeout_seconds=3)
    watcher.cancel()

    assert result.timed_out or result.exit_code != 0
    # Proof that the bomb reached the limit. The plain one dies of the first refused fork,
    # its processes gone within milliseconds, too soon for the watcher to be sure to see
    # them; the stubborn one stays at the limit until the timeout.
    if dies_of_a_refused_fork:
        assert "BlockingIOError: [Errno 11] Resource temporarily unavailable" in result.stderr
    else:
        assert peaks["sandbox"] > 2
    # The run's processes, plus bwrap outside and its short-lived helpers.
    assert peaks["sandbox"] <= LIMITS.max_processes + 4
    assert peaks["host"] - baseline <= LIMITS.max_processes + 4 + HOST_NOISE
    await assert_no_sandbox_process_left()
    assert len(host_pids()) <= baseline + HOST_NOISE


async def test_threads_count_against_the_process_limit(runner: SandboxRunner) -> None:
    thread = "threading.Thread(target=time.sleep, args=(60,), daemon=True)"
    code = f"import threading, time\nfor _ in range(100):\n    {thread}.start()"
    result = await runner.run(code, EVENT, timeout_seconds=10)

    assert result.exit_code == 1
    assert "can't start new thread" in result.stderr


async def test_a_background_child_dies_with_the_run(runner: SandboxRunner) -> None:
    code = (
        "import os, time\nif os.fork() == 0:\n    time.sleep(60)\nelse:\n    print('parent done')"
    )

    result = await runner.run(code, EVENT, timeout_seconds=10)

    assert (result.exit_code, result.stdout, result.timed_out) == (0, "parent done\n", False)
    await assert_no_sandbox_process_left()


@pytest.fixture
def host_listener() -> Iterator[int]:
    """A TCP port on the host's loopback that the host itself can reach."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        yield port


ATTEMPT = (
    "try:\n    {}\n    print('ok')\n"
    "except OSError as error:\n    print(errno.errorcode.get(error.errno, type(error).__name__))\n"
)


def attempts(actions: list[str]) -> str:
    """A snippet that tries each action and prints `ok` or the error's errno name."""
    return "import errno, socket\n" + "".join(ATTEMPT.format(action) for action in actions)


async def test_no_connection_to_localhost_or_the_internet(
    runner: SandboxRunner, host_listener: int
) -> None:
    targets = [("127.0.0.1", host_listener), ("127.0.0.1", 5432), ("1.1.1.1", 53), ("8.8.8.8", 443)]
    connect = "socket.create_connection(({!r}, {}), timeout=3).close()"

    result = await runner.run(attempts([connect.format(*t) for t in targets]), EVENT, 15)

    assert result.stdout.split() == ["ECONNREFUSED"] * 2 + ["ENETUNREACH"] * 2


async def test_no_name_resolution(runner: SandboxRunner) -> None:
    actions = ["socket.getaddrinfo('localhost', 80)", "socket.getaddrinfo('example.com', 443)"]
    actions += ["socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'q', ('1.1.1.1', 53))"]

    result = await runner.run(attempts(actions), EVENT, timeout_seconds=15)

    assert result.stdout.split() == ["gaierror", "gaierror", "ENETUNREACH"]


async def test_environment_is_empty_and_holds_no_secret(
    runner: SandboxRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARMATURE_TEST_SECRET", "canary-5d1f")
    code = (
        "import json, os\n"
        "print(json.dumps({'env': dict(os.environ),"
        " 'init_env': open('/proc/1/environ').read(), 'own_env': open('/proc/self/environ').read(),"
        " 'pids': [p for p in os.listdir('/proc') if p.isdigit()]}))"
    )
    result = await runner.run(code, EVENT, timeout_seconds=10)

    seen = json.loads(result.stdout)
    assert "canary-5d1f" not in result.stdout
    assert set(seen["env"]) <= {"PWD", "LC_CTYPE"}
    assert {entry.split("=")[0] for entry in seen["init_env"].split("\0") if entry} <= {"PWD"}
    assert len(seen["pids"]) <= 3


@pytest.fixture
def host_secret_file() -> Iterator[Path]:
    """A world-readable secret on the host, in a directory anyone may enter."""
    directory = Path(tempfile.mkdtemp(prefix="armature-secret-"))
    directory.chmod(0o755)
    secret = directory / ".env"
    secret.write_text("DATABASE_URL=postgresql://app:canary-secret@db/app\n")
    secret.chmod(0o644)
    yield secret
    shutil.rmtree(directory)


async def test_project_and_host_files_are_invisible(
    runner: SandboxRunner, host_secret_file: Path
) -> None:
    assert (REPO / "Makefile").is_file()
    assert (REPO / "pyproject.toml").is_file()
    paths = [REPO / name for name in ("Makefile", "pyproject.toml", ".env", "var/app.sqlite3")]
    paths += [*REPO.glob("var/*.sqlite3"), REPO, Path(sys.prefix), host_secret_file, Path("/etc")]
    reads = [f"open({str(path)!r}, 'rb').read()" for path in paths]

    result = await runner.run(attempts(reads), EVENT, timeout_seconds=10)

    assert result.stdout.split() == ["ENOENT"] * len(paths)


async def test_system_is_read_only_and_the_workspace_capped(runner: SandboxRunner) -> None:
    paths = ["/escape", "/usr/escape", "/dev/escape", "/dev/shm/escape", "/proc/escape"]  # noqa: S108
    actions = [f"open({path!r}, 'w').close()" for path in paths]
    actions.append("open('big', 'wb').write(b'x' * (2 * 1024**2))")  # over file_size_bytes
    # 16 MiB of workspace fills before 17 files of almost 1 MiB.
    actions.append("[open(f'part{n}', 'wb').write(b'x' * (1024**2 - 4096)) for n in range(17)]")

    result = await runner.run(attempts(actions), EVENT, timeout_seconds=10)

    assert result.stdout.split() == ["EROFS"] * 4 + ["ENOENT", "EFBIG", "ENOSPC"]
    assert result.stderr == ""


async def test_runs_unprivileged_and_cannot_nest_namespaces(runner: SandboxRunner) -> None:
    code = (
        "import os, subprocess\n"
        "status = dict(line.split(':\\t') for line in open('/proc/self/status').read().splitlines()"
        " if ':\\t' in line)\n"
        "print(os.getuid(), status['CapEff'], status['NoNewPrivs'])\n"
        "print(subprocess.run(['unshare', '--user', 'true'], capture_output=True).returncode)"
    )
    result = await runner.run(code, EVENT, timeout_seconds=10)

    uid, capabilities, no_new_privs, nested = result.stdout.split()
    assert int(uid) != 0
    assert int(capabilities, 16) == 0
    assert no_new_privs == "1"
    assert nested != "0"


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
async def test_a_100_mb_flood_is_capped_without_buffering_it(
    runner: SandboxRunner, stream: str
) -> None:
    before = rss_bytes()
    samples = [before]

    async def sample() -> None:
        while True:
            samples.append(rss_bytes())
            await asyncio.sleep(0.01)

    sampler = asyncio.create_task(sample())
    code = f"import sys\nfor _ in range(1600):\n    sys.{stream}.write('x' * 65536)"
    result = await runner.run(code, EVENT, timeout_seconds=20)
    sampler.cancel()

    output = getattr(result, stream)
    assert getattr(result, f"{stream}_truncated")
    assert output == "x" * LIMITS.output_bytes
    assert not result.timed_out
    assert result.duration_ms < 5000
    assert max(samples) - before < 32 * 1024**2
