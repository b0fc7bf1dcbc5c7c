"""`make bench`: every configuration under the same load, alternating, into one report folder.

python -m bench [--name NAME] [--rows N | --million] [--users N] [--seconds S] [--rounds R]
python -m bench --smoke --out DIR      # a few seconds, no thresholds: the suite still runs
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench import broker, charts, data, pagination, report
from bench.plan import HEADLINE, JOURNEY, REFERENCE, SEED, SMOKE, Figures
from bench.servers import ROOT, Running, Settings
from bench.session import Session, half_peak, peak_rounds, progress

REPORTS = ROOT / "_BENCHMARK" / "reports"
REPORT_FILES = ("*.csv", "*.html", "*.png", "*.md", "*.log")
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")
# The smoke's accounts: fewer logins, the same 100 rows each.
SMOKE_ACCOUNTS = 10
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--name", default=datetime.now(UTC).strftime("%Y%m%d-%H%M"))
    parser.add_argument("--out", type=Path, help="the report folder (default reports/NAME)")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--million", action="store_true", help="fill 1,000,000 items")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="seconds, not minutes; no thresholds")
    parser.add_argument("--no-half-peak", action="store_true", help="skip the latency runs")
    parser.add_argument(
        "--only",
        help="comma-separated configurations to run (e.g. armature-nginx-2w,journey); "
        "`pagination` alone walks API v2's pages and nothing else",
    )
    parsed = parser.parse_args()
    if parsed.million:
        parsed.rows = 1_000_000
    if parsed.smoke:
        parsed.rows, parsed.users, parsed.seconds = min(parsed.rows, 1_000), 8, 3
        parsed.warmup, parsed.rounds = 0, 1
    return parsed


@contextmanager
def workspace(smoke: bool) -> Iterator[Settings]:
    """A folder nginx's workers can enter, a database and an exchange of the run's own; all
    removed after."""
    folder = Path(tempfile.mkdtemp(prefix="armature-bench-"))
    folder.chmod(0o755)
    name = f"armature_bench_smoke_{os.getpid()}" if smoke else "armature_bench"
    settings = Settings(folder, f"{SERVER}/{name}", REDIS, f"armature-bench-{os.getpid()}")
    try:
        yield settings
    finally:
        try:
            asyncio.run(data.drop_database(settings.database_url))
            asyncio.run(broker.drop_exchange(settings.exchange))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    opts = options()
    # Servers compile their modules once, as an image built for production does; a worker
    # recycled by max_requests must not pay for compiling every module again.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    # SIGTERM unwinds like an exception: every server started is stopped, the database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = opts.out or REPORTS / opts.name
    out.mkdir(parents=True, exist_ok=True)
    for stale in [p for pattern in REPORT_FILES for p in out.glob(pattern)]:
        stale.unlink()
    started, load_before = datetime.now(UTC), os.getloadavg()
    with workspace(opts.smoke) as settings:
        asyncio.run(data.create_database(settings.database_url))
        data.migrate(settings.database_url)
        accounts = SMOKE_ACCOUNTS if opts.smoke else data.SEED_ACCOUNTS
        seeded = asyncio.run(data.seed(settings.database_url, opts.rows, accounts))
        session = Session(opts, settings, seeded, out)
        seed, journey, halves, walked = _measure(session)
    workload = report.Workload(
        opts.rows, opts.users, opts.seconds, opts.warmup, opts.rounds, opts.smoke
    )
    results = report.Report(workload, seed, halves, journey, walked, load_before, started)
    if seed:
        charts.seed_chart(seed, out / "seed.png")
    print(report.write(results, out).read_text())


def _measure(
    session: Session,
) -> tuple[list[Figures], Figures, list[tuple[Figures, float]], pagination.PaginationResult]:
    """The chosen configurations round after round, half-peak latency, then v2's pages."""
    opts = session.options
    chosen = None if opts.only is None else set(opts.only.split(","))
    plan = SMOKE if opts.smoke else SEED
    seed = [Figures(c) for c in plan if chosen is None or c.name in chosen]
    journey = Figures(JOURNEY)
    runs = [*seed, *([journey] if chosen is None or "journey" in chosen else [])]
    walked: list[pagination.PaginationResult] = []
    peak_rounds(session, runs, lambda running: walked.append(_walk(session, running)))
    if not walked:  # no configuration ran on the stack: start it for the walk alone
        with session.servers("armature", 2) as running:
            walked.append(_walk(session, running))
    headline = [f for f in seed if f.configuration.name in {HEADLINE, REFERENCE}]
    halves = [] if opts.smoke or opts.no_half_peak else half_peak(session, headline)
    return seed, journey, halves, walked[0]


def _walk(session: Session, running: Running) -> pagination.PaginationResult:
    """API v2's pages end to end, on the stack the headline figures came from."""
    progress("walking API v2's pages")
    asyncio.run(data.reset(session.settings.database_url, session.seeded))
    token = asyncio.run(data.login_all(running.nginx_url, [session.seeded.admin]))[0]
    url, database = running.nginx_url, session.settings.database_url
    return asyncio.run(pagination.walk(url, token, database))


if __name__ == "__main__":
    main()
