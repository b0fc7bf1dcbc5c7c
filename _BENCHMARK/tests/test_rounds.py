"""The rounds' order, and where API v2's walk runs: on the stack, never on the bare reference."""

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.load import Load, Outcome, Usage
from bench.plan import Configuration, Figures
from bench.servers import Running
from bench.session import Session, peak_rounds

BARE = Configuration("bare", 2, True)
STACK = Configuration("armature", 2, True)
STACK_DIRECT = Configuration("armature", 2, False)


class Rehearsal(Session):
    """Servers that start nothing and runs that measure nothing: the order alone shows."""

    def __init__(self, folder: Path, rounds: int) -> None:
        options = argparse.Namespace(rounds=rounds, users=1, seconds=1)
        # It starts no server and resets no table: no settings, no seeded rows.
        super().__init__(options, settings=None, seeded=None, folder=folder)  # type: ignore[arg-type]
        self.measured: list[str] = []

    @contextmanager
    def servers(self, app: str, workers: int) -> Iterator[Running]:
        yield Running(nginx_url=f"{app}-{workers}w", direct_url="")

    def measure(
        self, running: Running, configuration: Configuration, load: Load, prefix: Path
    ) -> Outcome:
        self.measured.append(configuration.name)
        return Outcome(stats={}, usage=Usage(), seconds=0.0)


def rehearse(
    folder: Path, rounds: int, *configurations: Configuration
) -> tuple[list[str], list[str]]:
    session = Rehearsal(folder, rounds)
    walked: list[str] = []
    figures = [Figures(configuration) for configuration in configurations]
    peak_rounds(session, figures, lambda running: walked.append(running.nginx_url))
    return session.measured, walked


def test_even_rounds_run_the_server_sets_backwards(tmp_path: Path) -> None:
    measured, _ = rehearse(tmp_path, 2, BARE, STACK, STACK_DIRECT)

    assert measured == [
        "bare-nginx-2w",
        "armature-nginx-2w",
        "armature-direct-2w",
        "armature-nginx-2w",
        "armature-direct-2w",
        "bare-nginx-2w",
    ]


def test_the_walk_runs_once_on_the_stack_even_when_the_bare_reference_comes_first(
    tmp_path: Path,
) -> None:
    _, walked = rehearse(tmp_path, 3, BARE, STACK)

    assert walked == ["armature-2w"]


def test_without_the_stack_the_walk_is_left_to_the_caller(tmp_path: Path) -> None:
    _, walked = rehearse(tmp_path, 2, BARE)

    assert walked == []
