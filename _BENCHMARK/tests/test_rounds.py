"""The rounds' order, and where API v2's walk runs: on the stack, never on the bare reference."""

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.load import Load, Outcome, Usage
from bench.plan import HEADLINE, JOURNEY, REFERENCE, SEED, Configuration, Figures
from bench.servers import Running
from bench.session import Session, peak_rounds

BARE = Configuration("bare", 2, True)
STACK = Configuration("armature", 2, True)


class Rehearsal(Session):
    """Servers that start nothing and runs that measure nothing: the order alone shows."""

    def __init__(self, folder: Path, rounds: int) -> None:
        options = argparse.Namespace(rounds=rounds, users=1, seconds=1)
        # It starts no server and resets no table: no settings, no seeded rows.
        super().__init__(options, settings=None, seeded=None, folder=folder)  # type: ignore[arg-type]
        # The runs of each server start, in order: "armature-nginx-2w/SeedUser"...
        self.starts: list[list[str]] = []

    @contextmanager
    def servers(self, app: str, workers: int) -> Iterator[Running]:
        self.starts.append([])
        yield Running(nginx_url=f"{app}-{workers}w", direct_url="")

    def measure(
        self, running: Running, configuration: Configuration, load: Load, prefix: Path
    ) -> Outcome:
        self.starts[-1].append(f"{configuration.name}/{load.scenario}")
        return Outcome(stats={}, usage=Usage(), seconds=0.0)


def rehearse(
    folder: Path, rounds: int, *configurations: Configuration
) -> tuple[Rehearsal, list[str]]:
    session = Rehearsal(folder, rounds)
    walked: list[str] = []
    figures = [Figures(configuration) for configuration in configurations]
    peak_rounds(session, figures, lambda running: walked.append(running.nginx_url))
    return session, walked


def test_each_round_measures_every_configuration_once(tmp_path: Path) -> None:
    session, _ = rehearse(tmp_path, 2, *SEED, JOURNEY)
    runs = [run for start in session.starts for run in start]

    first, second = runs[: len(SEED) + 1], runs[len(SEED) + 1 :]
    everything = {f"{c.name}/{c.scenario}" for c in [*SEED, JOURNEY]}
    assert len(first) == len(second) == len(everything)
    assert set(first) == set(second) == everything
    assert second == first[::-1], "the second round walks the first backwards"


def test_the_headline_pair_runs_back_to_back_in_every_round(tmp_path: Path) -> None:
    session, _ = rehearse(tmp_path, 3, *SEED, JOURNEY)
    runs = [run for start in session.starts for run in start]
    pair = {f"{HEADLINE}/SeedUser", f"{REFERENCE}/SeedUser"}

    per_round = len(SEED) + 1
    for number in range(3):
        measured = runs[number * per_round : (number + 1) * per_round]
        seams = [set(measured[i : i + 2]) for i in range(len(measured) - 1)]
        assert pair in seams, f"round {number + 1}: {measured}"


def test_the_journey_runs_on_a_stack_of_its_own(tmp_path: Path) -> None:
    session, _ = rehearse(tmp_path, 2, *SEED, JOURNEY)

    journeys = [start for start in session.starts if any("Journey" in run for run in start)]
    assert journeys == [[f"{JOURNEY.name}/JourneyUser"]] * 2


def test_the_walk_runs_once_on_the_stack_even_when_the_bare_reference_comes_first(
    tmp_path: Path,
) -> None:
    _, walked = rehearse(tmp_path, 3, BARE, STACK)

    assert walked == ["armature-2w"]


def test_without_the_stack_the_walk_is_left_to_the_caller(tmp_path: Path) -> None:
    _, walked = rehearse(tmp_path, 2, BARE)

    assert walked == []
