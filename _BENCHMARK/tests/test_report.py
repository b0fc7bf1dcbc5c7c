"""The summary's headline ratio: never rounded up to the goal it missed, with each round's."""

from datetime import UTC, datetime

from bench.load import Outcome, Usage
from bench.plan import SEED, Configuration, Figures
from bench.report import Report, ratio_cell

STACK, BARE = SEED[0], SEED[1]


def figures(configuration: Configuration, *rounds: float) -> Figures:
    runs = [
        Outcome(stats={"Aggregated": {"Requests/s": str(rps)}}, usage=Usage(), seconds=30.0)
        for rps in rounds
    ]
    return Figures(configuration, runs)


def report(*seed: Figures) -> Report:
    return Report(None, list(seed), [], None, None, (0.0, 0.0, 0.0), datetime.now(UTC))  # type: ignore[arg-type]


def test_a_ratio_just_under_the_goal_shows_under_it_with_each_round() -> None:
    # 478 / 683 = 0.6998..., which two places would print as 0.70.
    cell = ratio_cell(report(figures(STACK, 497, 459), figures(BARE, 677, 689)))

    assert cell == "0.699 (by round: 0.734, 0.666)"


def test_one_round_shows_the_ratio_alone() -> None:
    assert ratio_cell(report(figures(STACK, 700), figures(BARE, 1000))) == "0.700"


def test_without_the_bare_reference_there_is_no_ratio() -> None:
    assert ratio_cell(report(figures(STACK, 700))) == "n/a"
