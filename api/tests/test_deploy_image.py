"""The Dockerfile passes hadolint and builds the image every process runs."""

import tomllib

from api.testing import PROJECT_ROOT
from api.testing_deploy import (
    DOCKER,
    DOCKERFILE,
    PROBE_HOST,
    UV,
    dockerfile_stages,
    run_tool,
    runtime_user,
)


def workspace_members() -> list[str]:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    members: list[str] = []
    for pattern in pyproject["tool"]["uv"]["workspace"]["members"]:
        found = PROJECT_ROOT.glob(f"{pattern}/pyproject.toml")
        members += sorted(path.parent.relative_to(PROJECT_ROOT).as_posix() for path in found)
    return members


def test_dockerfile_passes_hadolint() -> None:
    linted = run_tool("hadolint", str(DOCKERFILE))
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_runtime_stage_runs_unprivileged_without_build_tools() -> None:
    runtime = dockerfile_stages()[-1]
    arguments = [arguments for _, arguments in runtime]
    installs = " ".join(arguments for keyword, arguments in runtime if keyword == "RUN")
    environment = " ".join(arguments for keyword, arguments in runtime if keyword == "ENV")

    assert runtime_user().split(":")[0] not in {"0", "root"}
    assert [keyword for keyword, _ in runtime].count("HEALTHCHECK") == 1
    assert [line for line in arguments if UV.search(line)] == []
    assert "--no-install-recommends" in installs
    assert {"bubblewrap", "tini"} <= set(installs.split())
    assert ("ENTRYPOINT", '["tini", "--"]') in runtime
    assert "GUNICORN_BIND=0.0.0.0:8000" in environment


def test_the_image_leaves_multiprocess_metrics_to_gunicorn() -> None:
    # Set for every process, it would make `armature worker` write its samples to files and
    # stop serving METRICS_PORT; gunicorn.conf.py sets it for the API's workers alone.
    environment = [
        arguments
        for stage in dockerfile_stages()
        for keyword, arguments in stage
        if keyword == "ENV"
    ]
    assert [line for line in environment if "PROMETHEUS_MULTIPROC_DIR" in line] == []
    assert "PROMETHEUS_MULTIPROC_DIR" in (DOCKER / "gunicorn.conf.py").read_text()


def test_the_healthcheck_asks_for_health_with_a_trusted_host() -> None:
    (healthcheck,) = [
        arguments for keyword, arguments in dockerfile_stages()[-1] if keyword == "HEALTHCHECK"
    ]
    assert "http://127.0.0.1:8000/health" in healthcheck
    assert f"'Host': '{PROBE_HOST}'" in healthcheck


def test_the_dependency_layer_sees_every_workspace_member() -> None:
    syncs = [
        arguments
        for stage in dockerfile_stages()
        for keyword, arguments in stage
        if keyword == "RUN" and "uv sync" in arguments
    ]
    dependencies, project = syncs

    assert "--no-install-workspace" in dependencies
    for name in ["uv.lock", "pyproject.toml"] + [
        f"{m}/pyproject.toml" for m in workspace_members()
    ]:
        assert f"source={name},target={name}" in dependencies, name
    assert "--no-editable" in project
    for sync in syncs:
        # No group at all: dev and bench (locust, matplotlib) stay out of the image.
        assert {"--locked", "--no-default-groups", "--all-packages"} <= set(sync.split()), sync


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    ignored = set((PROJECT_ROOT / ".dockerignore").read_text().splitlines())
    assert {".git", ".venv", ".env", "var", "_DOCKER/secrets", "**/tests"} <= ignored


# --- docker-compose.yml -----------------------------------------------------------------
