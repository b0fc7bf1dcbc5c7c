"""Detecting the isolation by probing it, choosing the interpreter and identity, command lines."""

from __future__ import annotations

import os
import pwd
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from automations.sandbox import (
    Isolation,
    SandboxLimits,
    detect_isolation,
    find_interpreter,
    probe_isolation,
)
from automations.sandbox.isolation import DEFAULT_SEARCH_PATH, WORKDIR, sandbox_command
from automations.sandbox.limits import default_run_as, resolve_run_as

REPO = Path(__file__).resolve().parents[4]
PYTHON_ARGS = ["-c", "pass"]


@pytest.fixture
def tool_dir() -> Iterator[Path]:
    """An empty directory the sandbox user may enter, to stand in for the search path."""
    directory = Path(tempfile.mkdtemp(prefix="armature-tools-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


def fake_bwrap(directory: Path, body: str) -> None:
    """A `bwrap` in directory that runs body (a shell script) instead of sandboxing."""
    script = directory / "bwrap"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)


def test_bubblewrap_is_detected_on_this_host() -> None:
    if shutil.which("bwrap", path=DEFAULT_SEARCH_PATH) is None:
        pytest.fail("bwrap missing: install the `bubblewrap` package (apt-get install bubblewrap)")

    assert detect_isolation() is Isolation.BUBBLEWRAP, "bwrap is installed but does not isolate"


@pytest.mark.parametrize(
    ("isolation", "network", "filesystem", "processes"),
    [
        (Isolation.BUBBLEWRAP, True, True, True),
        (Isolation.UNSHARE, True, False, True),
        (Isolation.RLIMITS_ONLY, False, False, False),
    ],
)
def test_each_isolation_reports_what_it_isolates(
    isolation: Isolation, network: bool, filesystem: bool, processes: bool
) -> None:
    assert isolation.isolates_network is network
    assert isolation.isolates_filesystem is filesystem
    assert isolation.isolates_processes is processes


def test_falls_back_to_unshare_without_bwrap(tool_dir: Path) -> None:
    unshare = shutil.which("unshare", path=DEFAULT_SEARCH_PATH)
    if unshare is None or not probe_isolation(Isolation.UNSHARE):
        pytest.skip("util-linux unshare cannot create namespaces on this host")
    (tool_dir / "unshare").symlink_to(unshare)

    assert detect_isolation(search_path=str(tool_dir)) is Isolation.UNSHARE


def test_falls_back_to_rlimits_only_without_any_tool(tool_dir: Path) -> None:
    assert detect_isolation(search_path=str(tool_dir)) is Isolation.RLIMITS_ONLY


def test_a_bwrap_that_fails_is_not_trusted(tool_dir: Path) -> None:
    fake_bwrap(tool_dir, "exit 1")

    assert not probe_isolation(Isolation.BUBBLEWRAP, search_path=str(tool_dir))
    assert detect_isolation(search_path=str(tool_dir)) is Isolation.RLIMITS_ONLY


def test_a_bwrap_that_does_not_isolate_is_not_trusted(tool_dir: Path) -> None:
    # Skips the options and runs the interpreter on the host, network and all.
    fake_bwrap(tool_dir, 'while [ "$1" != "--" ]; do shift; done\nshift\nexec "$@"')

    assert not probe_isolation(Isolation.BUBBLEWRAP, search_path=str(tool_dir))
    assert detect_isolation(search_path=str(tool_dir)) is Isolation.RLIMITS_ONLY


def test_runs_as_nobody_when_the_backend_is_root() -> None:
    expected = None
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        expected = (nobody.pw_uid, nobody.pw_gid)

    assert default_run_as() == expected
    assert resolve_run_as(None) == expected


def test_refuses_to_run_automations_as_root() -> None:
    with pytest.raises(ValueError, match="root"):
        resolve_run_as((0, 0))


def test_interpreter_is_a_python_of_this_version_outside_the_project() -> None:
    interpreter = find_interpreter(resolve_run_as(None))

    assert interpreter.executable.is_file()
    assert interpreter.executable.name == f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert not interpreter.executable.is_relative_to(REPO)
    assert not interpreter.executable.is_relative_to(sys.prefix)
    assert interpreter.prefix == interpreter.executable.parent.parent


def test_bubblewrap_command_unshares_everything_and_binds_only_the_system() -> None:
    interpreter = find_interpreter(resolve_run_as(None))
    limits = SandboxLimits(workspace_bytes=8 * 1024**2)

    argv = sandbox_command(Isolation.BUBBLEWRAP, interpreter, PYTHON_ARGS, limits)

    flags = [
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--as-pid-1",
    ]
    flags += ["--new-session", "--clearenv", "--proc", "--dev"]
    assert set(flags) <= set(argv)
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    assert argv[argv.index(str(8 * 1024**2)) + 1 :][:2] == ["--tmpfs", WORKDIR]
    sources = {argv[i + 1] for i, arg in enumerate(argv) if arg in {"--bind", "--ro-bind"}}
    assert sources <= {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", str(interpreter.prefix)}
    assert "--bind" not in argv
    assert not any(str(REPO) in arg or str(sys.prefix) in arg for arg in argv)
    assert argv[argv.index("--") + 1 :] == [
        str(interpreter.executable),
        *["-I", "-S", "-B", "-X", "utf8"],
        *PYTHON_ARGS,
    ]


def test_unshare_command_takes_network_pids_and_a_fresh_proc() -> None:
    interpreter = find_interpreter(resolve_run_as(None))

    argv = sandbox_command(Isolation.UNSHARE, interpreter, PYTHON_ARGS, SandboxLimits())

    assert Path(argv[0]).name == "unshare"
    assert {"--user", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"} <= set(argv)


def test_rlimits_only_command_is_the_bare_isolated_interpreter() -> None:
    interpreter = find_interpreter(resolve_run_as(None))

    argv = sandbox_command(Isolation.RLIMITS_ONLY, interpreter, PYTHON_ARGS, SandboxLimits())

    assert argv == [str(interpreter.executable), "-I", "-S", "-B", "-X", "utf8", *PYTHON_ARGS]


def test_limits_become_hard_rlimits() -> None:
    limits = SandboxLimits(memory_bytes=1 << 28, cpu_seconds=5, file_size_bytes=1 << 20)

    rlimits = limits.rlimits(processes=16)

    assert rlimits["RLIMIT_AS"] == (1 << 28, 1 << 28)
    assert rlimits["RLIMIT_CPU"] == (5, 5)
    assert rlimits["RLIMIT_NPROC"] == (16, 16)
    assert rlimits["RLIMIT_FSIZE"] == (1 << 20, 1 << 20)
    assert rlimits["RLIMIT_NOFILE"] == (64, 64)
    assert rlimits["RLIMIT_CORE"] == (0, 0)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="memory_bytes"):
        SandboxLimits(memory_bytes=0)
