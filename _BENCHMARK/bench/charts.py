"""seed.png: throughput and latency percentiles per configuration, side by side."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt

from bench.plan import Figures

ARMATURE, BARE = "#2f6db5", "#9a9a9a"
PERCENTILES = (("50%", "p50"), ("95%", "p95"), ("99%", "p99"))


def seed_chart(figures: list[Figures], path: Path) -> Path:
    names = [f.configuration.name for f in figures]
    colors = [ARMATURE if f.configuration.app == "armature" else BARE for f in figures]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), dpi=90)
    rates = [f.rps for f in figures]
    spans = [[f.rps - f.rps_range[0] for f in figures], [f.rps_range[1] - f.rps for f in figures]]
    left.barh(names, rates, xerr=spans, color=colors, capsize=3)
    for y, entry in enumerate(figures):
        left.text(entry.rps_range[1], y, f"  {entry.rps:,.0f}", va="center", fontsize=8)
    left.invert_yaxis()
    left.set_xlabel("requests/s (mean of rounds; bars: min-max)")
    left.set_title("Seed mix throughput")
    height = 0.8 / len(PERCENTILES)
    for index, (column, label) in enumerate(PERCENTILES):
        offsets = [y + (index - 1) * height for y in range(len(figures))]
        right.barh(offsets, [f.percentile(column) for f in figures], height=height, label=label)
    right.set_yticks(range(len(figures)), names)
    right.invert_yaxis()
    right.set_xlabel("latency, ms (median of rounds)")
    right.set_title("Seed mix latency percentiles")
    right.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
