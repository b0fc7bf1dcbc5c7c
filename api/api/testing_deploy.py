"""Shared by the deployment-file tests: paths, tools, and readers of the files."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from api.testing import PROJECT_ROOT
from core.settings import ArmatureSettings

DOCKER = PROJECT_ROOT / "_DOCKER"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE = DOCKER / "docker-compose.yml"
K8S = DOCKER / "k8s"
SUPERVISORD = DOCKER / "supervisord.conf"
SECRET_EXAMPLE = "secret.example.yaml"  # noqa: S105 (a file name)
TOOLS = Path(sys.executable).parent
# The oldest Kubernetes the manifests are for (user namespaces on by default) and the newest
# the validator knows.
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")
APP_SERVICES = ("migrate", "api", "worker")
WORKLOADS = ("armature-api", "armature-worker", "armature-migrate")
PROBE_HOST = "localhost"
# The one writable path of a read-only root: metrics files, gunicorn's heartbeats.
TMP = "/tmp"  # noqa: S108 (a path inside the containers, not used here)
UV = re.compile(r"\buvx?\b")
COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::(?P<kind>[-?])(?P<word>[^}]*))?\}")
DURATION = re.compile(r"(\d+)(h|m|s)")


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = TOOLS / name
    assert executable.is_file(), f"{name} is not installed: uv sync --locked"
    return subprocess.run(  # noqa: S603 (a locked tool on the repository's own files)
        [str(executable), *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def graceful_timeout() -> int:
    """gunicorn's default graceful timeout, as _DOCKER/gunicorn.conf.py sets it."""
    config = (DOCKER / "gunicorn.conf.py").read_text()
    found = re.search(r'"GUNICORN_GRACEFUL_TIMEOUT", "(\d+)"', config)
    assert found, "gunicorn.conf.py no longer reads GUNICORN_GRACEFUL_TIMEOUT"
    return int(found[1])


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """Each stage's instructions as (KEYWORD, arguments), continuation lines joined."""
    instructions: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped.removesuffix("\\") + " "
            continue
        instructions.append(pending + stripped)
        pending = ""
    stages: list[list[tuple[str, str]]] = []
    for instruction in instructions:
        keyword, _, arguments = instruction.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        assert stages, f"an instruction before the first FROM: {instruction}"
        stages[-1].append((keyword.upper(), arguments.strip()))
    return stages


def runtime_user() -> str:
    runtime = dockerfile_stages()[-1]
    return next(arguments for keyword, arguments in reversed(runtime) if keyword == "USER")


def field_values(settings: type[ArmatureSettings], values: dict[str, str]) -> dict[str, str]:
    return {name.lower(): v for name, v in values.items() if name.lower() in settings.model_fields}
