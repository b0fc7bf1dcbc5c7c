"""A real gunicorn with two workers and `_DOCKER/gunicorn.conf.py`: a scrape sums every worker.

N requests move the counter by exactly N whichever worker served them, a worker killed with
SIGKILL takes none of its counts with it (only its live gauges), and with METRICS_PORT the
master serves the sum on 127.0.0.1 while the app answers 404.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.testing import PROJECT_ROOT
from api.testing_servers import migrated_database
from core.testing.ports import free_port

CONFIG = PROJECT_ROOT / "_DOCKER" / "gunicorn.conf.py"
COUNTED = {"method": "GET", "route": "/api/v1/items/{item_id}", "status": "401"}


class Server:
    """A running gunicorn: its address, its master process and its metrics directory."""

    def __init__(self, url: str, master: subprocess.Popen[bytes], metrics_dir: Path) -> None:
        self.url, self.master, self.metrics_dir = url, master, metrics_dir

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def counted_by(self) -> set[int]:
        """The processes that have counted something: each has a counter file of its own."""
        return {int(path.stem.split("_")[-1]) for path in self.metrics_dir.glob("counter_*.db")}

    def live_gauge_files(self, pid: int) -> list[Path]:
        return list(self.metrics_dir.glob(f"gauge_live*_{pid}.db"))


@asynccontextmanager
async def gunicorn(tmp_path: Path, **extra_env: str) -> AsyncIterator[Server]:
    async with migrated_database("sqlite", tmp_path) as database_url:
        port, metrics_dir = free_port(), tmp_path / "metrics"
        env = {
            **os.environ,
            "ENVIRONMENT": "test",
            "DATABASE_URL": database_url,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            # Each worker limits in its own memory: no limit may refuse a request of the test.
            "RATE_LIMIT_DEFAULT": "100000/minute",
            **extra_env,
        }
        master = _start(env, tmp_path / "gunicorn.log")
        server = Server(f"http://127.0.0.1:{port}", master, metrics_dir)
        try:
            await eventually(lambda: _two_workers_answer(server))
            yield server
        finally:
            master.send_signal(signal.SIGTERM)
            await asyncio.to_thread(master.wait, 30)


def _start(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "api.main:create_app()"]
    with log_path.open("w") as log:
        return subprocess.Popen(  # noqa: S603 (our interpreter, our config)
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
        )


async def _two_workers_answer(server: Server) -> bool:
    if server.master.poll() is not None:
        raise AssertionError(f"gunicorn exited with {server.master.returncode}")
    try:
        async with httpx.AsyncClient(timeout=1) as http:
            await http.get(f"{server.url}/health")
    except httpx.TransportError:
        return False
    return len(server.workers()) == 2


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s")
        await asyncio.sleep(0.1)


async def scraped(http: httpx.AsyncClient, url: str) -> float:
    """The scraped count of GET /api/v1/items/{item_id} answered 401 (no token)."""
    response = await http.get(url)
    assert response.status_code == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "armature_http_requests_total" and sample.labels == COUNTED
    )


async def send(http: httpx.AsyncClient, base_url: str, count: int) -> None:
    """`count` requests over fresh connections, 16 at a time: both workers get some."""
    gate = asyncio.Semaphore(16)

    async def one() -> None:
        async with gate:
            response = await http.get(f"{base_url}/api/v1/items/{uuid4()}")
            assert response.status_code == 401

    await asyncio.gather(*(one() for _ in range(count)))


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        yield client


async def test_n_requests_over_two_workers_raise_the_sum_by_n_and_a_killed_worker_keeps_its_counts(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    async with gunicorn(tmp_path) as server:
        scrape = f"{server.url}/metrics"
        before = await scraped(http, scrape)
        await send(http, server.url, 200)
        after = await scraped(http, scrape)
        workers = server.workers()
        assert set(workers) <= server.counted_by(), "both workers served some of the requests"

        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        await eventually(lambda: _gauges_dropped(server, victim))
        after_kill = await scraped(http, scrape)
        await send(http, server.url, 100)
        after_more = await scraped(http, scrape)

    assert after - before == 200
    assert after_kill == after, "the dead worker's counts are still summed"
    assert after_more - before == 300
    assert (server.metrics_dir / f"counter_{victim}.db").exists()


async def _gauges_dropped(server: Server, pid: int) -> bool:
    return not server.live_gauge_files(pid)


async def test_with_a_metrics_port_the_master_serves_the_sum_and_the_app_does_not(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    port = free_port()
    async with gunicorn(tmp_path, METRICS_PORT=str(port)) as server:
        scrape = f"http://127.0.0.1:{port}/metrics"
        before = await scraped(http, scrape)
        await send(http, server.url, 50)
        os.kill(server.workers()[0], signal.SIGKILL)
        after = await scraped(http, scrape)
        on_app = await http.get(f"{server.url}/metrics")

    assert after - before == 50, "the master still answers, with the dead worker's counts"
    assert on_app.status_code == 404
