"""Multiprocess metrics: each process writes its own files, a forked one included.

The samples name their process by a cached id (`api.process`); a child that kept its
parent's would write into the parent's files, and a dead worker's counts would then be
another's.
"""

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, multiprocess

SCRIPT = """
import os
from api.metrics import HTTP_REQUESTS

HTTP_REQUESTS.labels("GET", "/fork", "200").inc()
child = os.fork()
if child == 0:
    HTTP_REQUESTS.labels("GET", "/fork", "200").inc()
    os._exit(0)
os.waitpid(child, 0)
print(os.getpid(), child)
"""


def test_a_forked_process_counts_in_files_of_its_own(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", SCRIPT],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    parent, child = result.stdout.split()

    assert (tmp_path / f"counter_{parent}.db").exists()
    assert (tmp_path / f"counter_{child}.db").exists()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(tmp_path))  # type: ignore[no-untyped-call]
    labels = {"method": "GET", "route": "/fork", "status": "200"}
    assert registry.get_sample_value("armature_http_requests_total", labels) == 2
