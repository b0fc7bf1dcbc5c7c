"""One locust run, headless, with the CPU and memory of everything involved sampled meanwhile."""

from __future__ import annotations

import csv
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.servers import BIN, ROOT

LOCUSTFILE = ROOT / "_BENCHMARK" / "locustfile.py"
SAMPLE_SECONDS = 0.5
SETTLE_SECONDS = 2.0
# Shared services, found by name: they work for every configuration alike.
SERVICES = {"postgres": ("postgres",), "redis": ("redis-server",), "rabbitmq": ("beam.smp",)}


@dataclass(frozen=True)
class Load:
    """What locust sends: a user class, how many users, how long, and an optional rate."""

    scenario: str
    users: int
    seconds: float
    rate: float | None = None


@dataclass
class Usage:
    """CPU seconds per group over the run, and the largest RSS seen per gunicorn worker."""

    cpu_seconds: dict[str, float] = field(default_factory=dict)
    worker_rss_mb: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """A finished run: locust's aggregated row per request name, and the usage."""

    stats: dict[str, dict[str, str]]
    usage: Usage
    seconds: float
    # p50/p95/p99 ms of the upstream times nginx logged (bench.edge); {} when not via nginx.
    upstream_ms: dict[int, float] = field(default_factory=dict)


class Sampler(threading.Thread):
    """Adds up each group's CPU time, children included, from the run's start on."""

    def __init__(self, roots: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.roots = roots
        self.baseline: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.rss: dict[int, float] = {}
        self.server_root = roots.get("server")
        self.stopped = threading.Event()
        self._sample(baseline=True)

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            self._sample()

    def finish(self) -> Usage:
        self.stopped.set()
        self.join()
        self._sample()
        cpu: dict[str, float] = {}
        for pid, (group, seconds) in self.last.items():
            cpu[group] = cpu.get(group, 0.0) + seconds - self.baseline.get(pid, 0.0)
        return Usage(cpu, sorted(self.rss.values()))

    def _processes(self) -> list[tuple[str, psutil.Process]]:
        found: list[tuple[str, psutil.Process]] = []
        for group, pid in self.roots.items():
            try:
                root = psutil.Process(pid)
                found += [(group, p) for p in [root, *root.children(recursive=True)]]
            except psutil.NoSuchProcess:
                continue
        for process in psutil.process_iter(["name"]):
            for group, names in SERVICES.items():
                if process.info["name"] in names:
                    found.append((group, process))
        return found

    def _sample(self, *, baseline: bool = False) -> None:
        for group, process in self._processes():
            try:
                times = process.cpu_times()
                seconds = times.user + times.system
                if (
                    self.server_root is not None
                    and group == "server"
                    and process.pid != self.server_root
                ):
                    rss = process.memory_info().rss / 2**20
                    self.rss[process.pid] = max(self.rss.get(process.pid, 0.0), rss)
            except psutil.NoSuchProcess:
                continue
            if baseline:
                self.baseline[process.pid] = seconds
            self.last[process.pid] = (group, seconds)


def run_locust(
    url: str, pids: dict[str, int], load: Load, accounts: Path, out: Path | None
) -> Outcome:
    """Run locust against `url`, measuring `pids`; with `out`, keep its CSV and HTML there."""
    env = {**os.environ, "BENCH_ACCOUNTS": str(accounts), "BENCH_USERS": str(load.users)}
    if load.rate:
        env["BENCH_RATE"] = str(load.rate)
    prefix = out or Path(accounts.parent / "warmup")
    command = [
        str(BIN / "locust"),
        *("-f", str(LOCUSTFILE), "--headless", "--only-summary", "--loglevel", "WARNING"),
        *("-u", str(load.users), "-r", str(_spawn_rate(load)), "-t", f"{load.seconds:.0f}s"),
        *("--host", url, "--csv", str(prefix), "--reset-stats", "--stop-timeout", "5"),
        *(["--html", f"{prefix}.html"] if out else []),
        load.scenario,
    ]
    locust = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Past locust's own start and the spawning, which --reset-stats leaves out of its figures.
    time.sleep(min(SETTLE_SECONDS, load.seconds / 4))
    sampler = Sampler({**pids, "locust": locust.pid})
    sampler.start()
    started = time.monotonic()
    _, errors = locust.communicate(timeout=load.seconds + 120)
    seconds = time.monotonic() - started
    usage = sampler.finish()
    if locust.returncode not in {0, 1}:  # 1: some requests failed, which the report shows
        raise RuntimeError(f"locust failed ({locust.returncode}): {errors.decode()[-2000:]}")
    return Outcome(_stats(Path(f"{prefix}_stats.csv")), usage, seconds)


def _spawn_rate(load: Load) -> int:
    """Seed users start at once; journey users over about 4 s, as their logins (argon2id,
    tens of MiB each) would not all arrive in the same instant."""
    return load.users if load.scenario == "SeedUser" else max(load.users // 4, 1)


def _stats(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return {row["Name"]: row for row in csv.DictReader(file)}
