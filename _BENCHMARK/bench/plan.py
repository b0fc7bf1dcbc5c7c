"""What a bench run measures: the configurations, and the figures each run leaves."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from bench.load import Outcome

AGGREGATED = "Aggregated"
HEADLINE = "armature-nginx-2w"
REFERENCE = "bare-nginx-2w"


@dataclass(frozen=True)
class Configuration:
    """One server set under one load: Armature or the bare reference, workers, edge."""

    app: str
    workers: int
    via_nginx: bool
    scenario: str = "SeedUser"

    @property
    def name(self) -> str:
        edge = "nginx" if self.via_nginx else "direct"
        return f"{self.app}-{edge}-{self.workers}w"

    @property
    def described(self) -> str:
        edge = "behind nginx" if self.via_nginx else "gunicorn directly"
        what = "Armature (auth, logs, metrics, rate limits)" if self.app == "armature" else "bare"
        return f"{what}, {self.workers} worker{'s' * (self.workers > 1)}, {edge}"


SEED = [
    Configuration("armature", 2, True),
    Configuration("bare", 2, True),
    Configuration("armature", 2, False),
    Configuration("bare", 2, False),
    Configuration("armature", 1, True),
    Configuration("bare", 1, True),
]
SMOKE = [Configuration("armature", 2, True), Configuration("bare", 2, True)]
JOURNEY = Configuration("armature", 2, True, "JourneyUser")
# locust's HTML report (about 1 MB each) is kept for these; every run keeps its CSVs.
KEEP_HTML = frozenset({SEED[0], SEED[1], JOURNEY})


@dataclass
class Figures:
    """Every run of one configuration, folded into the figures the summary shows."""

    configuration: Configuration
    runs: list[Outcome] = field(default_factory=list)

    def _aggregated(self, column: str) -> list[float]:
        return [float(run.stats[AGGREGATED][column]) for run in self.runs]

    @property
    def rps(self) -> float:
        return statistics.mean(self._aggregated("Requests/s"))

    @property
    def rps_by_round(self) -> list[float]:
        return self._aggregated("Requests/s")

    @property
    def rps_range(self) -> tuple[float, float]:
        values = self._aggregated("Requests/s")
        return min(values), max(values)

    def percentile(self, column: str) -> float:
        return statistics.median(self._aggregated(column))

    def upstream_percentile(self, percent: int) -> float | None:
        """The median over the runs of nginx's view (bench.edge); None when none was read."""
        values = [run.upstream_ms[percent] for run in self.runs if percent in run.upstream_ms]
        return statistics.median(values) if values else None

    @property
    def requests(self) -> int:
        return int(sum(self._aggregated("Request Count")))

    @property
    def failures(self) -> int:
        return int(sum(self._aggregated("Failure Count")))

    def cores(self, group: str) -> float:
        """Mean CPU of a process group over the runs, in cores (1.0: one core busy)."""
        return statistics.mean(
            run.usage.cpu_seconds.get(group, 0.0) / run.seconds for run in self.runs
        )

    @property
    def worker_rss_mb(self) -> float:
        return max((max(run.usage.worker_rss_mb, default=0.0) for run in self.runs), default=0.0)
