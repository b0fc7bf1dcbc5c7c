"""nginx's view of a run: upstream times read from its access lines, after a mark."""

import json
from pathlib import Path

import pytest
from bench.edge import log_size, upstream_percentiles


def _line(upstream: str, logger: str = "nginx.access") -> str:
    return json.dumps({"logger": logger, "status": 200, "upstream_s": upstream}) + "\n"


def test_percentiles_cover_only_the_lines_after_the_mark(tmp_path: Path) -> None:
    log = tmp_path / "nginx.log"
    log.write_text(_line("9.000") * 50)  # the warm-up: must not count
    mark = log_size(log)
    with log.open("a") as file:
        file.writelines(_line(f"{ms / 1000:.3f}") for ms in range(1, 101))

    percentiles = upstream_percentiles(log, mark)

    assert percentiles[50] == pytest.approx(50.5)
    assert percentiles[99] == pytest.approx(99.01)


def test_retried_upstreams_add_up_and_lines_without_an_answer_are_left_out(
    tmp_path: Path,
) -> None:
    log = tmp_path / "nginx.log"
    lines = [_line("0.001, 0.003"), _line("-"), _line(""), _line("0.004")]
    log.write_text("".join([*lines, "nginx: [warn] not a json line\n", _line("5", "app")]))

    percentiles = upstream_percentiles(log, 0)

    assert percentiles[50] == pytest.approx(4.0)
    assert percentiles[95] == pytest.approx(4.0)


def test_no_log_or_too_few_lines_gives_no_figures(tmp_path: Path) -> None:
    log = tmp_path / "nginx.log"
    log.write_text(_line("0.002"))

    assert upstream_percentiles(None, 0) == {}
    assert upstream_percentiles(tmp_path / "missing.log", 0) == {}
    assert upstream_percentiles(log, 0) == {}
