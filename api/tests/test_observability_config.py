"""The observability files in `_DOCKER/` are valid and speak of metrics the app really exports."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import api.metrics  # noqa: F401 (registers every metric of the app)
from api.testing import PROJECT_ROOT

DOCKER = PROJECT_ROOT / "_DOCKER"
OBSERVABILITY = DOCKER / "observability"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "armature.json"
METRIC_NAME = re.compile(r"\barmature_[a-z_]+\b")
SAMPLE_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
}


def exported_sample_names() -> set[str]:
    """Every sample name a scrape of the app can hold, from the registry itself."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        for suffix in SAMPLE_SUFFIXES.get(family.type, ()):
            names.add(family.name + suffix)
    return names


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    queries += [variable["definition"] for variable in dashboard["templating"]["list"]]
    return queries


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_every_dashboard_query_names_a_metric_the_app_exports() -> None:
    exported = exported_sample_names()
    queries = dashboard_queries()
    named = {name for query in queries for name in METRIC_NAME.findall(query)}

    assert len(queries) >= 15
    assert named, "the dashboard queries no armature metric"
    assert named - exported == set()


def test_the_dashboard_covers_every_metric_the_app_exports() -> None:
    named = {name for query in dashboard_queries() for name in METRIC_NAME.findall(query)}
    families = {name.removesuffix("_bucket") for name in named}
    armature = {name for name in exported_sample_names() if name.startswith("armature_")}
    wanted = {name for name in armature if not name.endswith(("_count", "_sum"))}

    assert wanted - families - named == set()


def test_every_panel_reads_the_provisioned_datasource() -> None:
    datasources = load_yaml(OBSERVABILITY / "grafana/provisioning/datasources/prometheus.yaml")
    uids = {source["uid"] for source in datasources["datasources"]}
    panels = json.loads(DASHBOARD.read_text())["panels"]

    used = {panel["datasource"]["uid"] for panel in panels if panel["type"] != "row"}
    assert used == uids


def test_prometheus_config_passes_promtool() -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: install Debian's prometheus package (.ci/run does)"
    checked = subprocess.run(  # noqa: S603 (a fixed tool on our own file)
        [promtool, "check", "config", "--syntax-only", str(OBSERVABILITY / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_collector_pipelines_use_only_defined_components() -> None:
    config = load_yaml(OBSERVABILITY / "otel-collector.yaml")
    service = config["service"]

    assert set(service["extensions"]) <= set(config["extensions"])
    for pipeline in service["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            assert pipeline[kind], kind
            assert set(pipeline[kind]) <= set(config[kind]), kind
    assert "traces" in service["pipelines"]


@pytest.mark.parametrize("service", ["prometheus", "grafana", "otel-collector", "jaeger"])
def test_compose_profile_mounts_files_that_exist(service: str) -> None:
    compose = load_yaml(DOCKER / "docker-compose.yml")
    definition = compose["services"][service]

    assert definition["profiles"] == ["observability"]
    for volume in definition.get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (DOCKER / source).exists(), volume
