"""`make bench-cpu`: the app and the bare reference measured in process, and by callgrind.

No thresholds, as for the smoke run: what must hold is that every request is answered as
the seed mix expects (a refused one fails the run), that each round reports a figure, and
that the run leaves no database behind.
"""

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

BENCHMARK = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")
SMALL = ("--requests", "40", "--warmup", "20", "--rows", "1000", "--accounts", "2")
# The runs' database and exchange are named after it: the test knows what must be gone.
RUN = f"test{os.getpid()}"
TIMEOUT_SECONDS = 300


def _run(*args: str) -> str:
    # A session of its own: on a timeout valgrind goes too, not only the driver above it.
    with subprocess.Popen(
        [sys.executable, "-m", "bench.inprocess", *SMALL, *args],
        cwd=BENCHMARK,
        env={**os.environ, "BENCH_RUN": RUN},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as run:
        try:
            out, err = run.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    assert run.returncode == 0, err[-3000:]
    return out


async def _database_exists() -> bool:
    server = SERVER.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(f"{server}/postgres")
    try:
        name = f"bench_inprocess_{RUN}"
        return bool(await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await connection.close()


@pytest.mark.parametrize("which", [(), ("--bare",)], ids=["armature", "bare"])
def test_each_round_reports_the_cpu_a_request_and_the_database_is_dropped(
    which: tuple[str, ...],
) -> None:
    out = _run("--rounds", "2", *which)

    rounds = re.findall(r"^mix round (\d): ([\d.]+) ms of CPU a request", out, re.MULTILINE)
    assert [number for number, _ in rounds] == ["1", "2"]
    assert all(float(milliseconds) > 0 for _, milliseconds in rounds)
    assert not asyncio.run(_database_exists())


def test_under_callgrind_the_instructions_a_request_are_counted() -> None:
    out = _run("--rounds", "1", "--mode", "create", "--callgrind")

    counted = re.fullmatch(r"create: ([\d.]+) M instructions a request\n", out)
    assert counted is not None, out
    # A create is millions of instructions: a count near zero means nothing was collected.
    assert float(counted.group(1)) > 0.5
    assert not asyncio.run(_database_exists())
