"""`make bench-smoke` inside `make test`: the whole bench suite runs, in seconds, and reports.

No thresholds: a loaded machine must not fail the suite. What must hold is that every
piece still works together: the stack and the bare reference start, locust drives both,
and the report folder gets its summary, chart, CSVs and HTML.
"""

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[1]


def test_smoke_run_writes_the_report_folder(tmp_path: Path) -> None:
    out = tmp_path / "smoke"

    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=BENCHMARK,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    summary = (out / "summary.md").read_text()
    assert "armature-nginx-2w" in summary
    assert "bare-nginx-2w" in summary
    assert "API v2 keyset pagination" in summary
    assert (out / "seed.png").stat().st_size > 0
    for name in ("armature-nginx-2w-SeedUser-r1", "bare-nginx-2w-SeedUser-r1"):
        assert (out / f"{name}_stats.csv").exists()
        assert (out / f"{name}.html").exists()
