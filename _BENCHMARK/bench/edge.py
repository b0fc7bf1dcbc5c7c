"""What nginx saw: the time each request spent upstream, read from its access lines.

locust shares the two cores with the servers, so its latencies include its own turns on
the CPU. nginx's `$upstream_response_time` is the server's answer time alone (from the
request handed to gunicorn to the last byte back), the same measure for both apps.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

PERCENTILES = (50, 95, 99)


def log_size(log: Path | None) -> int:
    return log.stat().st_size if log is not None and log.exists() else 0


def upstream_percentiles(log: Path | None, offset: int) -> dict[int, float]:
    """p50, p95 and p99 in ms of the upstream times logged after `offset`; {} without any."""
    times = sorted(_upstream_ms(log, offset)) if log is not None and log.exists() else []
    if len(times) < 2:  # noqa: PLR2004 (quantiles needs two)
        return {}
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {p: cuts[p - 1] for p in PERCENTILES}


def _upstream_ms(log: Path, offset: int) -> list[float]:
    times = []
    with log.open(encoding="utf-8", errors="replace") as file:
        file.seek(offset)
        for line in file:
            if '"nginx.access"' not in line:
                continue
            # "0.004", or "0.001, 0.003" when nginx tried a second upstream: their sum.
            upstream = json.loads(line).get("upstream_s", "")
            parts = [part.strip() for part in upstream.split(",")]
            if parts and all(_is_number(part) for part in parts):
                times.append(1000 * sum(float(part) for part in parts))
    return times


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
