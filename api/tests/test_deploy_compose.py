"""The compose file passes the production checks and wires its services as the app needs."""

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from accounts.settings import AccountsSettings
from api.settings import Settings
from api.testing_deploy import (
    APP_SERVICES,
    COMPOSE,
    COMPOSE_VARIABLE,
    DOCKER,
    DOCKERFILE,
    DURATION,
    PROBE_HOST,
    field_values,
    graceful_timeout,
    load_yaml,
)


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
    environ = {"POSTGRES_PASSWORD": "0123456789abcdef", "SMTP_HOST": "smtp.example.com"}
    return {
        name: interpolate(value, environ) for name, value in compose()["x-armature-env"].items()
    }


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
