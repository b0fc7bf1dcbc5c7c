"""Which isolation this host offers, the interpreter a sandbox runs, and its command line."""

from __future__ import annotations

import enum
import logging
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from automations.sandbox.limits import SandboxLimits, resolve_run_as, spawn_identity

logger = logging.getLogger(__name__)

# System directories only: the backend's PATH may start with a virtualenv or be tampered with.
DEFAULT_SEARCH_PATH = "/usr/bin:/bin:/usr/local/bin"
WORKDIR = "/tmp"  # noqa: S108 - a private tmpfs inside the sandbox, not the host's /tmp
_PROBE_TIMEOUT_SECONDS = 15
_ROOT_ENTRIES = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_PACKAGE_DIRS = (
    "lib/python3*/site-packages",
    "lib/python3*/dist-packages",
    "lib/python3/dist-packages",
)
_PYTHON_FLAGS = ("-I", "-S", "-B", "-X", "utf8")
# Prints the network interfaces it sees and whether this very file is visible.
_PROBE = (
    "import os, socket;"
    "print(','.join(sorted(name for _, name in socket.if_nameindex())),"
    f" os.path.exists({str(Path(__file__).resolve())!r}))"
)


class SandboxUnavailable(RuntimeError):
    """No way to run an automation on this host (no usable interpreter or isolation)."""


class Isolation(enum.Enum):
    """How a run is isolated, strongest first."""

    BUBBLEWRAP = "bubblewrap"
    UNSHARE = "unshare"
    RLIMITS_ONLY = "rlimits-only"

    @property
    def isolates_network(self) -> bool:
        """True when the run has its own network namespace with nothing but loopback."""
        return self is not Isolation.RLIMITS_ONLY

    @property
    def isolates_filesystem(self) -> bool:
        """True when the run sees only the interpreter and a private workspace."""
        return self is Isolation.BUBBLEWRAP

    @property
    def isolates_processes(self) -> bool:
        """True when a pid and user namespace contain the run's processes and count them apart."""
        return self is not Isolation.RLIMITS_ONLY


@dataclass(frozen=True)
class Interpreter:
    """A Python executable the sandbox user can run; its prefix is bound into the sandbox."""

    executable: Path

    @property
    def prefix(self) -> Path:
        """The installation root (`<prefix>/bin/python3.X`)."""
        return self.executable.parent.parent


def find_interpreter(run_as: tuple[int, int] | None) -> Interpreter:
    """The backend's own Python installation, else the same version on the system path."""
    name = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        Path(sys.base_prefix, "bin", name),
        Path("/usr/local/bin", name),
        Path("/usr/bin", name),
    ]
    for candidate in candidates:
        executable = candidate.resolve()
        if executable.is_file() and (run_as is None or _reachable(executable, *run_as)):
            if candidate != candidates[0]:
                logger.info(
                    "sandbox: %s is out of reach of uid %s; using %s",
                    candidates[0],
                    run_as,
                    executable,
                )
            return Interpreter(executable)
    raise SandboxUnavailable(
        f"no {name} that uid {run_as} can execute: install Python outside /root"
    )


def _reachable(path: Path, uid: int, gid: int) -> bool:
    """True when uid/gid (no supplementary groups) can traverse to path and execute it."""
    needs = [(directory, 0o1) for directory in reversed(path.parents)] + [(path, 0o5)]
    return all(_permits(entry, uid, gid, wanted) for entry, wanted in needs)


def _permits(path: Path, uid: int, gid: int, wanted: int) -> bool:
    """True when the owner, group or other permission bits of path grant `wanted` (rwx bits)."""
    info = path.stat()
    if info.st_uid == uid:
        bits = (info.st_mode & stat.S_IRWXU) >> 6
    elif info.st_gid == gid:
        bits = (info.st_mode & stat.S_IRWXG) >> 3
    else:
        bits = info.st_mode & stat.S_IRWXO
    return bits & wanted == wanted


def sandbox_command(
    isolation: Isolation,
    interpreter: Interpreter,
    python_args: Sequence[str],
    limits: SandboxLimits,
    search_path: str = DEFAULT_SEARCH_PATH,
) -> list[str]:
    """The argv that runs `python -I -S <python_args>` under the given isolation."""
    python = [str(interpreter.executable), *_PYTHON_FLAGS, *python_args]
    if isolation is Isolation.BUBBLEWRAP:
        bwrap = _tool("bwrap", search_path)
        return [bwrap, *_bubblewrap_args(interpreter, limits.workspace_bytes), "--", *python]
    if isolation is Isolation.UNSHARE:
        # No uid map: inside, the user is unmapped and holds no capability after exec.
        unshare = [_tool("unshare", search_path), "--user", "--net", "--pid", "--ipc", "--uts"]
        return [*unshare, "--cgroup", "--fork", "--kill-child", "--mount-proc", "--", *python]
    return python


def _tool(name: str, search_path: str) -> str:
    """The absolute path of a sandboxing tool, or SandboxUnavailable."""
    found = shutil.which(name, path=search_path)
    if found is None:
        raise SandboxUnavailable(f"{name} not found in {search_path}")
    return found


def _bubblewrap_args(interpreter: Interpreter, workspace_bytes: int) -> list[str]:
    """Fresh namespaces, an empty environment, read-only system files and a small private /tmp."""
    args = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"]
    # No reaper as pid 1: bwrap exits without waiting for it, leaving a zombie to the host's PID 1.
    args += ["--as-pid-1", "--new-session", "--clearenv", "--cap-drop", "ALL"]
    args += ["--hostname", "automation", "--ro-bind", "/usr", "/usr", *_root_entries()]
    if not interpreter.prefix.is_relative_to("/usr"):
        args += ["--ro-bind", str(interpreter.prefix), str(interpreter.prefix)]
    for directory in _package_dirs(interpreter.prefix):
        # Snippets get the standard library only, and never the application's installed code.
        args += ["--size", "4096", "--tmpfs", str(directory), "--remount-ro", str(directory)]
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]
    args += ["--size", str(workspace_bytes), "--tmpfs", WORKDIR, "--remount-ro", "/"]
    return [*args, "--chdir", WORKDIR]


def _root_entries() -> list[str]:
    """/bin, /lib... as symlinks into /usr on merged-/usr systems, read-only binds otherwise."""
    args: list[str] = []
    for name in _ROOT_ENTRIES:
        path = Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _package_dirs(prefix: Path) -> list[Path]:
    """Installed-package directories under the interpreter's prefix and /usr."""
    roots = {prefix, Path("/usr"), Path("/usr/local")}
    found = {path for root in roots for pattern in _PACKAGE_DIRS for path in root.glob(pattern)}
    return sorted(path for path in found if path.is_dir() and not path.is_symlink())


def detect_isolation(
    run_as: tuple[int, int] | None = None,
    interpreter: Interpreter | None = None,
    search_path: str = DEFAULT_SEARCH_PATH,
) -> Isolation:
    """The strongest isolation that really runs a probe here, as the user runs will use."""
    identity = resolve_run_as(run_as)
    chosen = interpreter or find_interpreter(identity)
    for isolation in Isolation:
        if _probe(isolation, chosen, identity, search_path):
            if isolation is not Isolation.BUBBLEWRAP:
                logger.warning(
                    "sandbox: bubblewrap unusable, automations run with %s", isolation.value
                )
            return isolation
    raise SandboxUnavailable(f"{chosen.executable} does not run even without isolation")


def probe_isolation(
    isolation: Isolation,
    run_as: tuple[int, int] | None = None,
    interpreter: Interpreter | None = None,
    search_path: str = DEFAULT_SEARCH_PATH,
) -> bool:
    """True when a trivial program runs under isolation here and sees only what it promises."""
    identity = resolve_run_as(run_as)
    return _probe(isolation, interpreter or find_interpreter(identity), identity, search_path)


def _probe(
    isolation: Isolation, interpreter: Interpreter, run_as: tuple[int, int] | None, search_path: str
) -> bool:
    """Run a trivial program under isolation and check it sees what the isolation promises."""
    try:
        command = sandbox_command(
            isolation, interpreter, ["-c", _PROBE], SandboxLimits(), search_path
        )
        completed = subprocess.run(  # noqa: S603 - a fixed argv of absolute paths
            [*spawn_identity(run_as), *command],
            env={},
            cwd="/",
            capture_output=True,
            timeout=_PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except (SandboxUnavailable, OSError, subprocess.TimeoutExpired) as error:
        logger.info("sandbox: %s probe failed: %s", isolation.value, error)
        return False
    if completed.returncode != 0:
        logger.info("sandbox: %s probe failed: %r", isolation.value, completed.stderr[-500:])
        return False
    return _promises_kept(isolation, completed.stdout.decode(errors="replace").split())


def _promises_kept(isolation: Isolation, probe_output: list[str]) -> bool:
    """True when the probe saw only loopback and not this file, as far as isolation promises."""
    if len(probe_output) != 2:  # noqa: PLR2004 - the probe prints two words
        return False
    interfaces, sees_own_source = probe_output
    network_kept = interfaces == "lo" or not isolation.isolates_network
    filesystem_kept = sees_own_source == "False" or not isolation.isolates_filesystem
    return network_kept and filesystem_kept
