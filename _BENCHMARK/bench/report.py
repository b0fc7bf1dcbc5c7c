"""summary.md: the machine, the workload, every configuration's figures, and the targets."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench.pagination import PaginationResult
from bench.plan import HEADLINE, REFERENCE, Figures

MIN_RATIO, MAX_P99_MS, MAX_RSS_MB, MAX_PAGE_RATIO = 0.70, 25, 150, 1.5
GROUPS = ("server", "worker", "nginx", "postgres", "redis", "rabbitmq", "locust")


@dataclass(frozen=True)
class Workload:
    rows: int
    users: int
    seconds: float
    warmup_seconds: float
    rounds: int
    smoke: bool


@dataclass(frozen=True)
class Report:
    """Everything measured in one `make bench`."""

    workload: Workload
    seed: list[Figures]
    half_peak: list[tuple[Figures, float]]
    journey: Figures | None
    pagination: PaginationResult | None
    load_before: tuple[float, float, float]
    started: datetime


def machine() -> list[str]:
    """One line per fact about the machine the figures come from."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    postgres = subprocess.run(
        ["psql", "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    memory_gib = psutil.virtual_memory().total / 2**30
    return [
        f"CPU: {model}, {os.cpu_count()} cores; memory {memory_gib:.0f} GiB",
        f"OS: {platform.platform()}; Python {platform.python_version()}; {postgres}",
        "Load generator: locust (FastHttpUser) on the same cores as the servers",
    ]


def write(report: Report, folder: Path) -> Path:
    path = folder / "summary.md"
    path.write_text("\n".join(_lines(report)) + "\n")
    return path


def _lines(report: Report) -> list[str]:
    w = report.workload
    after = os.getloadavg()
    return [
        f"# Armature benchmark{' (smoke: figures mean nothing)' if w.smoke else ''}",
        "",
        f"Measured {report.started:%Y-%m-%d %H:%M} UTC to {datetime.now(UTC):%H:%M} UTC.",
        "",
        *(f"- {fact}" for fact in machine()),
        f"- Load average (1, 5, 15 min) before: {_load(report.load_before)}; after: {_load(after)}",
        f"- Workload: {w.rows:,} items; {_workload(report)}",
        "",
        *_seed_table(report),
        *_half_peak(report),
        *_journey(report),
        *_pagination(report),
        *_targets(report),
    ]


def _workload(report: Report) -> str:
    w = report.workload
    if not report.seed:
        return "API v2's pages only"
    return (
        f"{w.users} users per run, {w.seconds:.0f} s measured after {w.warmup_seconds:.0f} s "
        f"of warm-up; {w.rounds} round(s), configurations alternating"
    )


def _load(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def _seed_table(report: Report) -> list[str]:
    if not report.seed:
        return []
    lines = [
        "## Seed mix: 50 % filter (one account's ~100 items), 50 % create",
        "",
        "![throughput and latency](seed.png)",
        "",
        "CPU in cores (1.00 = one core busy for the whole run); `locust` is the load generator.",
        "",
        "| configuration | requests/s (min-max) | p50 ms | p95 ms | p99 ms | failures | "
        + " | ".join(f"{g} CPU" for g in GROUPS)
        + " | RSS/worker MB |",
        "|---" * (8 + len(GROUPS)) + "|",
    ]
    for figures in report.seed:
        low, high = figures.rps_range
        cpu = " | ".join(f"{figures.cores(g):.2f}" for g in GROUPS)
        lines.append(
            f"| {figures.configuration.name} | {figures.rps:,.0f} ({low:,.0f}-{high:,.0f}) | "
            f"{figures.percentile('50%'):.0f} | {figures.percentile('95%'):.0f} | "
            f"{figures.percentile('99%'):.0f} | {figures.failures} | {cpu} | "
            f"{figures.worker_rss_mb:.0f} |"
        )
    lines += [
        "",
        *(f"- `{f.configuration.name}`: {f.configuration.described}" for f in report.seed),
    ]
    return [*lines, ""]


def _ratio(report: Report, name: str = HEADLINE, reference: str = REFERENCE) -> float | None:
    found = {f.configuration.name: f for f in report.seed}
    if name in found and reference in found and found[reference].rps:
        return found[name].rps / found[reference].rps
    return None


def ratio_cell(report: Report) -> str:
    """The headline ratio, cut (not rounded) to three places so it never shows the goal it
    missed, and each round's own: the spread is what a single figure hides."""
    ratio = _ratio(report)
    if ratio is None:
        return "n/a"
    found = {f.configuration.name: f for f in report.seed}
    pairs = zip(found[HEADLINE].rps_by_round, found[REFERENCE].rps_by_round, strict=False)
    rounds = [_cut(stack / bare) for stack, bare in pairs if bare]
    return f"{_cut(ratio)} (by round: {', '.join(rounds)})" if len(rounds) > 1 else _cut(ratio)


def _cut(value: float) -> str:
    return f"{math.floor(value * 1000) / 1000:.3f}"


def _half_peak(report: Report) -> list[str]:
    if not report.half_peak:
        return []
    lines = [
        "## Latency at half of each configuration's own peak (Poisson arrivals)",
        "",
        "The users' requests arrive independently, at half the rate the configuration peaked "
        "at. "
        + (
            "The last row is the bare reference again at Armature's rate, so that what the "
            "machine adds to the tail (a stall hits both) can be told from the server's share. "
            if _half_peaks(report)[1] is not None
            else ""
        )
        + "locust's figures are the client's (its own turns on the shared cores included); "
        "`upstream` is nginx's `$upstream_response_time`, the server's alone.",
        "",
        "| configuration | target requests/s | achieved | p50 ms | p95 ms | p99 ms "
        "| upstream p50 ms | upstream p95 ms | upstream p99 ms | failures |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for figures, rate in report.half_peak:
        upstream = [figures.upstream_percentile(p) for p in (50, 95, 99)]
        lines.append(
            f"| {figures.configuration.name} | {rate:,.0f} | {figures.rps:,.0f} | "
            f"{figures.percentile('50%'):.0f} | {figures.percentile('95%'):.0f} | "
            f"{figures.percentile('99%'):.0f} | "
            + " | ".join("n/a" if ms is None else f"{ms:.1f}" for ms in upstream)
            + f" | {figures.failures} |"
        )
    return [*lines, ""]


def _journey(report: Report) -> list[str]:
    if report.journey is None or not report.journey.runs:
        return []
    stats = report.journey.runs[-1].stats
    lines = [
        f"## Journey ({report.journey.configuration.described}; the last round)",
        "",
        "Log in once, then list, conditional get, create, update with If-Match, delete, and "
        "now and then an update that runs an automation in the worker's sandbox.",
        "",
        "| request | count | requests/s | p50 ms | p95 ms | p99 ms | failures |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in stats.items():
        lines.append(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):,.1f} | {row['50%']} | "
            f"{row['95%']} | {row['99%']} | {row['Failure Count']} |"
        )
    return [*lines, ""]


def _pagination(report: Report) -> list[str]:
    p = report.pagination
    if p is None:
        return []
    return [
        f"## API v2 keyset pagination over {p.rows:,} items (sort by name, 100 per page)",
        "",
        "| | first pages | last pages | last / first |",
        "|---|---|---|---|",
        f"| v2 cursor, median ms | {p.first_ms:.1f} | {p.last_ms:.1f} (page {p.pages:,}) | "
        f"{p.ratio:.2f} |",
        f"| v1 offset, median ms | {p.offset_first_ms:.1f} | {p.offset_last_ms:.1f} | "
        f"{p.offset_last_ms / p.offset_first_ms:.2f} |",
        "",
        f"Walked {p.pages:,} pages while inserting {p.inserted} items: "
        f"{p.duplicates} duplicate(s), {p.missing} row(s) of the starting set missed.",
        "",
    ]


def _half_peaks(report: Report) -> tuple[Figures | None, Figures | None]:
    """Armature at half its peak, and the reference at that same rate (when it ran)."""
    half, rate = next(
        ((f, r) for f, r in report.half_peak if f.configuration.name == HEADLINE), (None, None)
    )
    same_rate = next(
        (f for f, r in report.half_peak if f.configuration.name == REFERENCE and r == rate), None
    )
    return half, same_rate


def _half_peak_p99(half: Figures | None, reference: Figures | None) -> str:
    """locust's p99, the one the target is judged on, with nginx's view beside it and the
    reference's p99 at the same rate (what the machine allows)."""
    if half is None:
        return "n/a"
    upstream = half.upstream_percentile(99)
    beside = "" if upstream is None else f"upstream {upstream:.0f} ms"
    if reference is not None:
        beside += f"{'; ' if beside else ''}bare at that rate {reference.percentile('99%'):.0f} ms"
    return f"{half.percentile('99%'):.0f} ms" + (f" ({beside})" if beside else "")


def _targets(report: Report) -> list[str]:
    ratio = _ratio(report)
    headline = next((f for f in report.seed if f.configuration.name == HEADLINE), None)
    half, same_rate = _half_peaks(report)
    p = report.pagination
    rows = [
        (
            "Armature / bare requests/s, both behind nginx, 2 workers",
            ">= 0.70",
            ratio_cell(report),
            ratio is not None and ratio >= MIN_RATIO,
        ),
        (
            "p99 at half of Armature's own peak",
            "<= 25 ms",
            _half_peak_p99(half, same_rate),
            half is not None and half.percentile("99%") <= MAX_P99_MS,
        ),
        (
            "failures, every seed run",
            "0",
            str(sum(f.failures for f in report.seed)) if report.seed else "n/a",
            all(f.failures == 0 for f in report.seed),
        ),
        (
            "RSS per Armature worker",
            "<= 150 MB",
            "n/a" if headline is None else f"{headline.worker_rss_mb:.0f} MB",
            headline is not None and headline.worker_rss_mb <= MAX_RSS_MB,
        ),
        (
            "v2 last page / first page",
            "<= 1.5",
            "n/a" if p is None else f"{p.ratio:.2f}",
            p is not None and p.ratio <= MAX_PAGE_RATIO,
        ),
        (
            "v2 paging with inserts: duplicates, missed rows",
            "0, 0",
            "n/a" if p is None else f"{p.duplicates}, {p.missing}",
            p is not None and p.duplicates == p.missing == 0,
        ),
    ]
    lines = ["## Targets", "", "| target | wanted | measured | met |", "|---|---|---|---|"]
    lines += [f"| {name} | {want} | {got} | {_met(got, ok)} |" for name, want, got, ok in rows]
    return [*lines, ""]


def _met(measured: str, ok: bool) -> str:
    if measured == "n/a":
        return "not measured in this run"
    return "yes" if ok else "no"
