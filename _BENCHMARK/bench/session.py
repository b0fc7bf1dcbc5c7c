"""A bench run's state, and the runs themselves: servers started once per set, load per run."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from bench import data, edge
from bench.load import Load, Outcome, run_locust
from bench.plan import HEADLINE, KEEP_HTML, REFERENCE, Configuration, Figures
from bench.servers import Running, Settings, armature, bare

STARTED = time.monotonic()
MAX_ERROR_LINES = 200


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


@dataclass
class Session:
    """Options, the servers' settings, the seeded data, the report folder, the accounts."""

    options: argparse.Namespace
    settings: Settings
    seeded: data.Seeded
    folder: Path
    accounts: dict[str, Path] = field(default_factory=dict)

    @contextmanager
    def servers(self, app: str, workers: int) -> Iterator[Running]:
        start = armature if app == "armature" else bare
        progress(f"starting {app} with {workers} worker(s)")
        with start(self.settings, workers) as running:
            yield running
        progress(f"stopped {app}")

    def measure(
        self, running: Running, configuration: Configuration, load: Load, prefix: Path
    ) -> Outcome:
        """A warm-up, then the measured run, on a database reset to the seeded rows."""
        asyncio.run(data.reset(self.settings.database_url, self.seeded))
        _require_alive(running, "before")
        url = running.url(via_nginx=configuration.via_nginx)
        pids = running.measured(via_nginx=configuration.via_nginx)
        accounts = self.accounts_for(configuration.app, running)
        progress(f"{configuration.name} {load.scenario}: {load.seconds:.0f} s, {load.users} users")
        if self.options.warmup:
            warmup = Load(load.scenario, load.users, self.options.warmup, load.rate)
            run_locust(url, pids, warmup, accounts, None)
        marks = {log: log.stat().st_size for log in running.logs if log.exists()}
        edge_mark = edge.log_size(running.edge_log)
        outcome = run_locust(url, pids, load, accounts, prefix)
        _keep_errors(marks, prefix.with_name(f"{prefix.name}_server_errors.log"))
        _require_alive(running, "during")
        if not configuration.via_nginx:
            return outcome
        upstream = edge.upstream_percentiles(running.edge_log, edge_mark)
        return dataclasses.replace(outcome, upstream_ms=upstream)

    def accounts_for(self, app: str, running: Running) -> Path:
        """Armature's carry tokens from the first stack started (the signing key persists)."""
        if app not in self.accounts:
            accounts = self.seeded.accounts
            if app == "armature":
                tokens = asyncio.run(data.login_all(running.nginx_url, accounts))
            else:
                tokens = [str(account.id) for account in accounts]
            path = self.settings.folder / f"accounts-{app}.json"
            self.accounts[app] = data.write_accounts(path, accounts, tokens)
        return self.accounts[app]


def _require_alive(running: Running, when: str) -> None:
    """A stack whose worker died (say, refusing to run automations unisolated) would still
    answer, and be measured doing less than it should: stop the bench instead."""
    if exited := running.exited():
        # The logs' last lines: their folder goes with the bench's workspace.
        tails = "".join(f"\n--- {log}\n{_tail(log)}" for log in running.logs if log.exists())
        raise RuntimeError(f"{', '.join(exited)} exited {when} the run{tails}")


def _tail(log: Path, characters: int = 1500) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-characters:]


def _keep_errors(marks: dict[Path, int], destination: Path) -> None:
    """The servers' error lines written during the run, if any: what a failure was."""
    lines: list[str] = []
    for log, offset in marks.items():
        with log.open(encoding="utf-8", errors="replace") as file:
            file.seek(offset)
            lines += [line for line in file if '"level": "error"' in line or "Traceback" in line]
    if lines:
        destination.write_text("".join(lines[:MAX_ERROR_LINES]))


class SetKey(NamedTuple):
    """The servers a set of configurations runs on, and its load: the journey gets a stack of
    its own, so the automations it leaves running never spill into a seed run."""

    app: str
    workers: int
    scenario: str


def server_sets(figures: list[Figures]) -> dict[SetKey, list[Figures]]:
    """The configurations grouped by the servers and the scenario, in first-seen order."""
    sets: dict[SetKey, list[Figures]] = {}
    for entry in figures:
        configuration = entry.configuration
        key = SetKey(configuration.app, configuration.workers, configuration.scenario)
        sets.setdefault(key, []).append(entry)
    return sets


def _partners(one: SetKey, other: SetKey) -> bool:
    """The stack and the bare reference with the same workers under the same load."""
    return one.app != other.app and (one.workers, one.scenario) == (other.workers, other.scenario)


def peak_rounds(
    session: Session, figures: list[Figures], last: Callable[[Running], object] | None = None
) -> None:
    """Every configuration, round after round; even rounds walk the sets backwards, so drift
    over the run weighs on every configuration alike. A set followed by its partner runs its
    configurations backwards, so like meets like at the seam: each round measures the stack
    and the bare reference behind nginx back to back, and the host's slow minutes (a shared
    machine's speed wanders by a fifth) fall on both. `last` runs on the first stack's (not
    the bare reference's) servers in the last round, once its configurations are measured."""
    opts = session.options
    sets = list(server_sets(figures).items())
    stack = next((key for key, _ in sets if key.app == "armature"), None)
    for number in range(1, opts.rounds + 1):
        ordered = sets if number % 2 else sets[::-1]
        for position, (key, entries) in enumerate(ordered):
            following = ordered[position + 1][0] if position + 1 < len(ordered) else None
            leads = following is not None and _partners(key, following)
            with session.servers(key.app, key.workers) as running:
                for entry in entries[::-1] if leads else entries:
                    configuration = entry.configuration
                    load = Load(configuration.scenario, opts.users, opts.seconds)
                    prefix = session.folder / f"{configuration.name}-{configuration.scenario}"
                    prefix = prefix.with_name(f"{prefix.name}-r{number}")
                    entry.runs.append(session.measure(running, configuration, load, prefix))
                    if number != opts.rounds or configuration not in KEEP_HTML:
                        prefix.with_name(f"{prefix.name}.html").unlink(missing_ok=True)
                if last is not None and number == opts.rounds and key == stack:
                    last(running)


def half_peak(session: Session, peaks: list[Figures]) -> list[tuple[Figures, float]]:
    """Each given configuration again, at half the rate it peaked at, with half the users;
    then the reference at the headline's half-peak rate.

    The same arrivals on the same machine: a stall of the host (a shared core, a busy disk)
    shows in the reference's tail as in Armature's, so the two together tell what the machine
    adds to a p99 and what the server does.
    """
    measured = [
        (_at_rate(session, peak.configuration, peak.rps / 2, "half-peak"), peak.rps / 2)
        for peak in peaks
    ]
    found = {peak.configuration.name: peak for peak in peaks}
    if HEADLINE in found and REFERENCE in found:
        rate = found[HEADLINE].rps / 2
        reference = found[REFERENCE].configuration
        measured.append((_at_rate(session, reference, rate, f"at-{rate:.0f}-rps"), rate))
    return measured


def _at_rate(session: Session, configuration: Configuration, rate: float, label: str) -> Figures:
    users = max(session.options.users // 2, 1)
    load = Load(configuration.scenario, users, session.options.seconds, rate)
    with session.servers(configuration.app, configuration.workers) as running:
        prefix = session.folder / f"{configuration.name}-{label}"
        outcome = session.measure(running, configuration, load, prefix)
    prefix.with_name(f"{prefix.name}.html").unlink(missing_ok=True)
    return Figures(configuration, [outcome])
