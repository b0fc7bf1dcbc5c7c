"""The deployment files pass their linters and keep the facts the processes rely on.

The Dockerfile, the compose file, the Kubernetes manifests and the supervisord config each
restate what the app needs (production's settings, the probes, the graceful stop, the
sandbox's privileges); these tests hold them to the code and to each other.
"""

import configparser
import ipaddress
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from accounts.settings import AccountsSettings
from api.settings import Settings
from api.testing import PROJECT_ROOT
from core.settings import ConfigurationError

DOCKER = PROJECT_ROOT / "_DOCKER"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE = DOCKER / "docker-compose.yml"
K8S = DOCKER / "k8s"
SUPERVISORD = DOCKER / "supervisord.conf"
SECRET_EXAMPLE = "secret.example.yaml"
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


# --- Dockerfile -------------------------------------------------------------------------


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
        assert {"--locked", "--no-dev", "--all-packages"} <= set(sync.split()), sync


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    ignored = set((PROJECT_ROOT / ".dockerignore").read_text().splitlines())
    assert {".git", ".venv", ".env", "var", "_DOCKER/secrets", "**/tests"} <= ignored


# --- docker-compose.yml -----------------------------------------------------------------


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(COMPOSE)
    return loaded


def interpolate(value: object, environ: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, as `docker compose` reads them."""

    def substitute(match: re.Match[str]) -> str:
        name, kind, word = match["name"], match["kind"], match["word"]
        if environ.get(name):
            return environ[name]
        assert kind != "?", f"{name} is required: {word}"
        return word if kind == "-" else ""

    return COMPOSE_VARIABLE.sub(substitute, str(value))


def shared_environment() -> dict[str, str]:
    """The app's settings in compose, with only the required variables given."""
    environ = {"POSTGRES_PASSWORD": "0123456789abcdef"}
    return {
        name: interpolate(value, environ) for name, value in compose()["x-armature-env"].items()
    }


def field_values(
    settings: type[Settings | AccountsSettings], values: dict[str, str]
) -> dict[str, str]:
    return {name.lower(): v for name, v in values.items() if name.lower() in settings.model_fields}


def duration_seconds(value: str) -> int:
    units = {"h": 3600, "m": 60, "s": 1}
    parts = DURATION.findall(value)
    assert "".join(number + unit for number, unit in parts) == value, value
    return sum(int(number) * units[unit] for number, unit in parts)


def test_the_shared_environment_passes_the_production_checks() -> None:
    environment = shared_environment()
    settings = Settings.model_validate(field_values(Settings, environment))
    accounts = AccountsSettings.model_validate(
        field_values(AccountsSettings, environment) | {"token_signing_key": "a PEM from the secret"}
    )

    settings.check()
    accounts.check()
    assert environment["ENVIRONMENT"] == "production"


def test_the_shared_urls_name_services_of_the_file() -> None:
    services = compose()["services"]
    environment = shared_environment()
    for name in ("DATABASE_URL", "REDIS_URL", "RABBITMQ_URL"):
        assert urlsplit(environment[name]).hostname in services, name


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_app_service_builds_the_image_and_shares_the_environment(service: str) -> None:
    config = compose()
    definition = config["services"][service]
    build = definition["build"]

    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    assert definition["environment"].items() >= config["x-armature-env"].items()
    assert "ports" not in definition, "only nginx is published"


@pytest.mark.parametrize("service", ["api", "worker"])
def test_the_app_waits_for_its_migrations(service: str) -> None:
    depends_on = compose()["services"][service]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_every_dependency_is_a_defined_service_with_a_condition() -> None:
    services = compose()["services"]
    for name, definition in services.items():
        depends_on = definition.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on lists no condition"
        for dependency, how in depends_on.items():
            assert dependency in services, f"{name} depends on an unknown {dependency}"
            condition = how["condition"]
            if condition == "service_healthy":
                healthcheck = services[dependency].get("healthcheck", {})
                assert healthcheck.get("test"), dependency
                assert not healthcheck.get("disable"), dependency
            elif condition == "service_completed_successfully":
                assert services[dependency]["restart"] == "no", dependency
            else:
                assert condition == "service_started", f"{name} -> {dependency}: {condition}"


def test_every_named_volume_and_secret_is_declared() -> None:
    config = compose()
    for name, definition in config["services"].items():
        for volume in definition.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in config["volumes"], f"{name}: {volume}"
        for secret in definition.get("secrets", []):
            assert secret in config["secrets"], f"{name}: {secret}"
    for secret in config["secrets"].values():
        assert secret["file"].startswith("./secrets/"), secret


@pytest.mark.parametrize("service", ["api", "worker"])
def test_the_signing_key_is_a_secret_file_the_settings_read(service: str) -> None:
    definition = compose()["services"][service]
    assert "token_signing_key" in definition["secrets"]
    assert "token_signing_key" in AccountsSettings.model_fields
    # compose mounts each secret at /run/secrets/<name>.
    assert shared_environment()["SECRETS_DIR"] == "/run/secrets"


def test_nginx_mounts_the_edge_files_and_reaches_the_api() -> None:
    nginx = compose()["services"]["nginx"]
    mounts: dict[str, str] = {}
    for volume in nginx["volumes"]:
        source, target = volume.split(":")[:2]
        mounts[target] = source
    main = (DOCKER / mounts["/etc/nginx/nginx.conf"]).read_text()
    upstream = (DOCKER / mounts["/etc/nginx/armature-upstream.conf"]).read_text()

    for source in mounts.values():
        assert (DOCKER / source).is_file(), source
    assert re.search(r"\binclude\s+armature-upstream\.conf;", main)
    assert re.search(r"\bserver\s+api:8000\b", upstream)
    assert re.search(r"\blisten\s+8080\b", main)
    assert nginx["ports"] == ["127.0.0.1:8080:8080"]
    assert nginx["depends_on"]["api"]["condition"] == "service_healthy"


def test_the_worker_gets_the_sandbox_privileges_and_nothing_more() -> None:
    worker = compose()["services"]["worker"]
    assert set(worker["security_opt"]) == {
        "seccomp=unconfined",
        "apparmor=unconfined",
        "systempaths=unconfined",
    }
    assert not worker.get("privileged")
    assert not worker.get("cap_add")
    assert worker["command"] == ["armature", "worker"]


@pytest.mark.parametrize("service", ["api", "worker"])
def test_compose_waits_longer_than_the_graceful_stop(service: str) -> None:
    grace = compose()["services"][service]["stop_grace_period"]
    assert duration_seconds(grace) > graceful_timeout()


def test_the_api_healthcheck_is_live_ready_and_sends_a_trusted_host() -> None:
    check = " ".join(compose()["services"]["api"]["healthcheck"]["test"])
    assert "/health" in check
    assert "/ready" in check
    assert f"'Host': '{PROBE_HOST}'" in check
    assert PROBE_HOST in shared_environment()["TRUSTED_HOSTS"].split(",")


def test_the_api_trusts_the_forwarded_for_of_its_own_network_only() -> None:
    (pool,) = compose()["networks"]["default"]["ipam"]["config"]
    proxies = shared_environment()["TRUSTED_PROXIES"]
    assert proxies == interpolate(pool["subnet"], {})
    assert ipaddress.ip_network(proxies).is_private


def test_prometheus_scrapes_ports_the_app_serves() -> None:
    services = compose()["services"]
    prometheus = load_yaml(DOCKER / "observability" / "prometheus.yml")
    targets = [
        target
        for job in prometheus["scrape_configs"]
        for config in job["static_configs"]
        for target in config["targets"]
    ]
    assert targets
    for target in targets:
        host, port = target.split(":")
        environment = services[host]["environment"]
        assert environment["METRICS_PORT"] == port, target
        assert ipaddress.ip_address(environment["METRICS_HOST"]).is_unspecified, target


# --- Kubernetes -------------------------------------------------------------------------


def manifests() -> list[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def k8s_objects() -> dict[tuple[str, str], dict[str, Any]]:
    """Every object of every manifest, by (kind, name)."""
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for path in manifests():
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                objects[document["kind"], document["metadata"]["name"]] = document
    return objects


def pod_spec(name: str) -> dict[str, Any]:
    objects = k8s_objects()
    workload = objects.get(("Deployment", name)) or objects["Job", name]
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def config_map() -> dict[str, str]:
    data: dict[str, str] = k8s_objects()["ConfigMap", "armature-config"]["data"]
    return data


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_manifests_pass_strict_validation(version: str) -> None:
    paths = manifests()
    validated = run_tool("kubernetes-validate", "--strict", "-k", version, *map(str, paths))
    output = validated.stdout + validated.stderr

    assert validated.returncode == 0, output
    assert "WARN" not in output, output
    assert output.count(" passed ") == len(k8s_objects()), output


def test_kustomization_applies_every_manifest_but_the_secret_example() -> None:
    kustomization = load_yaml(K8S / "kustomization.yaml")
    wanted = {path.name for path in manifests()} - {SECRET_EXAMPLE}
    images = {image["name"] for image in kustomization["images"]}

    assert set(kustomization["resources"]) == wanted
    for name in WORKLOADS:
        for container in pod_spec(name)["containers"]:
            assert container["image"] in images, name


@pytest.mark.parametrize("name", WORKLOADS)
def test_every_container_runs_unprivileged_on_a_read_only_root(name: str) -> None:
    pod = pod_spec(name)
    uid = int(runtime_user().split(":")[0])
    volumes = {volume["name"]: volume for volume in pod["volumes"]}

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == uid
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == uid
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert not context.get("privileged")
        (tmp,) = [mount for mount in container["volumeMounts"] if mount["mountPath"] == TMP]
        assert "emptyDir" in volumes[tmp["name"]], f"{TMP} must stay writable"
        # `command` would replace the image's entrypoint, tini, which reaps and forwards signals.
        assert "command" not in container


@pytest.mark.parametrize("name", ["armature-api", "armature-migrate"])
def test_pods_without_a_sandbox_keep_the_default_seccomp_profile(name: str) -> None:
    pod = pod_spec(name)
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in pod["containers"]:
        assert container["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}


def test_the_worker_pod_allows_the_sandbox_and_nothing_more() -> None:
    pod = pod_spec("armature-worker")
    (container,) = pod["containers"]

    assert pod["hostUsers"] is False
    assert pod["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    assert pod["securityContext"]["appArmorProfile"] == {"type": "Unconfined"}
    assert container["securityContext"]["procMount"] == "Unmasked"
    assert container["args"] == ["armature", "worker"]
    assert pod["terminationGracePeriodSeconds"] > graceful_timeout()


def test_the_api_stops_gracefully_within_its_grace_period() -> None:
    deployment = k8s_objects()["Deployment", "armature-api"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    sleep, seconds = container["lifecycle"]["preStop"]["exec"]["command"]

    assert sleep == "sleep"
    assert pod["terminationGracePeriodSeconds"] > int(seconds) + graceful_timeout()
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_the_api_probes_liveness_on_health_and_readiness_on_ready() -> None:
    (container,) = pod_spec("armature-api")["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    trusted = config_map()["TRUSTED_HOSTS"].split(",")

    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container[kind]["httpGet"]
        headers = {header["name"]: header["value"] for header in probe["httpHeaders"]}
        assert ports[probe["port"]] == 8000, kind
        assert headers["Host"] in trusted, kind


def test_the_ingress_reaches_the_http_port_only_and_metrics_stay_apart() -> None:
    objects = k8s_objects()
    (container,) = pod_spec("armature-api")["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    service = objects["Service", "armature-api"]
    ingresses = [document for (kind, _), document in objects.items() if kind == "Ingress"]
    max_body = Settings.model_fields["max_body_bytes"].default
    issuer_host = urlsplit(config_map()["TOKEN_ISSUER"]).hostname

    assert [port["targetPort"] for port in service["spec"]["ports"]] == ["http"]
    assert int(config_map()["METRICS_PORT"]) == ports["metrics"] != ports["http"]
    assert ingresses
    for ingress in ingresses:
        annotations = ingress["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "1m"
        assert max_body == 1024 * 1024
        for rule in ingress["spec"]["rules"]:
            assert rule["host"] == issuer_host
            assert rule["host"] in config_map()["TRUSTED_HOSTS"].split(",")
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend == {"name": "armature-api", "port": {"name": "http"}}


def test_selectors_match_the_pods_they_mean() -> None:
    objects = k8s_objects()
    api_labels = objects["Deployment", "armature-api"]["spec"]["template"]["metadata"]["labels"]
    for name in ("armature-api", "armature-worker"):
        deployment = objects["Deployment", name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), name

    assert objects["Service", "armature-api"]["spec"]["selector"].items() <= api_labels.items()
    pdb = objects["PodDisruptionBudget", "armature-api"]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= api_labels.items()
    hpa = objects["HorizontalPodAutoscaler", "armature-api"]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "armature-api",
    }
    assert hpa["minReplicas"] > pdb["minAvailable"]


def test_the_configuration_needs_only_real_secrets_for_production() -> None:
    objects = k8s_objects()
    secrets = objects["Secret", "armature-secrets"]["stringData"]
    signing_key = objects["Secret", "armature-signing-key"]["stringData"]
    example = config_map() | secrets
    real = {name: value.replace("CHANGE-ME", "s3cr3t") for name, value in example.items()}

    with pytest.raises(ConfigurationError, match="placeholder"):
        Settings.model_validate(field_values(Settings, example)).check()
    with pytest.raises(ConfigurationError, match="placeholder"):
        AccountsSettings.model_validate(
            field_values(AccountsSettings, config_map() | signing_key)
        ).check()
    Settings.model_validate(field_values(Settings, real)).check()
    AccountsSettings.model_validate(
        field_values(AccountsSettings, config_map()) | {"token_signing_key": "a PEM"}
    ).check()
    assert set(signing_key) == {"token_signing_key"}
    assert "token_signing_key" in AccountsSettings.model_fields


@pytest.mark.parametrize("name", ["armature-api", "armature-worker"])
def test_the_signing_key_is_mounted_where_the_settings_look(name: str) -> None:
    pod = pod_spec(name)
    (container,) = pod["containers"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    (mount,) = [
        m for m in container["volumeMounts"] if m["mountPath"] == config_map()["SECRETS_DIR"]
    ]
    sources = {
        source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source
    }

    assert volumes[mount["name"]]["secret"]["secretName"] == "armature-signing-key"
    assert sources == {"armature-secrets"}, "the private key stays out of the environment"


def test_the_migrate_job_runs_alembic_once() -> None:
    job = k8s_objects()["Job", "armature-migrate"]["spec"]
    (container,) = job["template"]["spec"]["containers"]

    assert container["args"] == ["alembic", "upgrade", "head"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert job["backoffLimit"] >= 1
    assert job["ttlSecondsAfterFinished"] > 0


# --- supervisord.conf -------------------------------------------------------------------


def supervisord_programs() -> dict[str, configparser.SectionProxy]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(SUPERVISORD.read_text())
    return {
        section.removeprefix("program:"): parser[section]
        for section in parser.sections()
        if section.startswith("program:")
    }


def expand_here(value: str) -> Path:
    """supervisord's %(here)s: the directory of its config file."""
    return Path(os.path.normpath(value.replace("%(here)s", str(DOCKER))))


def test_supervisord_runs_the_api_and_the_worker() -> None:
    programs = supervisord_programs()
    api = shlex.split(programs["api"]["command"])
    worker = shlex.split(programs["worker"]["command"])

    assert set(programs) == {"api", "worker"}
    assert expand_here(api[0]) == PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
    assert api[1] == "-c"
    assert expand_here(api[2]) == DOCKER / "gunicorn.conf.py"
    assert api[3:] == ["api.main:create_app()"]
    assert expand_here(worker[0]) == PROJECT_ROOT / ".venv" / "bin" / "armature"
    assert worker[1:] == ["worker"]
    for program in programs.values():
        assert expand_here(program["directory"]) == PROJECT_ROOT


@pytest.mark.parametrize("name", ["api", "worker"])
def test_supervisord_stops_gracefully_and_logs_to_the_console(name: str) -> None:
    program = supervisord_programs()[name]

    assert program["stopsignal"] == "TERM"
    assert int(program["stopwaitsecs"]) > graceful_timeout()
    assert program.getboolean("killasgroup")
    assert not program.getboolean("stopasgroup")
    for stream in ("stdout", "stderr"):
        assert program[f"{stream}_logfile"] == f"/dev/{stream}"
        assert program[f"{stream}_logfile_maxbytes"] == "0"


def test_supervisord_gives_the_worker_its_own_metrics_port() -> None:
    programs = supervisord_programs()
    worker = dict(pair.split("=", 1) for pair in programs["worker"]["environment"].split(","))
    assert "METRICS_PORT" not in programs["api"].get("environment", "")
    assert worker["METRICS_PORT"].strip('"').isdigit()
