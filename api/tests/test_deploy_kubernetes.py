"""The Kubernetes manifests validate offline and keep the probes, the stop and the sandbox right."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from accounts.settings import AccountsSettings
from api.settings import Settings
from api.testing_deploy import (
    K8S,
    KUBERNETES_VERSIONS,
    SECRET_EXAMPLE,
    TMP,
    WORKLOADS,
    field_values,
    graceful_timeout,
    load_yaml,
    run_tool,
    runtime_user,
)
from core.settings import ConfigurationError


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


def test_the_migrate_job_runs_the_migrations_once() -> None:
    job = k8s_objects()["Job", "armature-migrate"]["spec"]
    (container,) = job["template"]["spec"]["containers"]

    assert container["args"] == ["armature", "db", "upgrade"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert job["backoffLimit"] >= 1
    assert job["ttlSecondsAfterFinished"] > 0


# --- supervisord.conf -------------------------------------------------------------------
