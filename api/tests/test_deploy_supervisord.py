"""supervisord runs the API and the worker with a graceful stop."""

import configparser
import os
import shlex
from pathlib import Path

import pytest

from api.testing import PROJECT_ROOT
from api.testing_deploy import (
    DOCKER,
    SUPERVISORD,
    graceful_timeout,
)


def supervisord_programs() -> dict[str, configparser.SectionProxy]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(SUPERVISORD.read_text())
    return {
        section.removeprefix("program:"): parser[section]
        for section in parser.sections()
        if section.startswith("program:")
    }


def expand_here(value: str) -> Path:
    """supervisord's %(here)s: the directory of its config file."""
    return Path(os.path.normpath(value.replace("%(here)s", str(DOCKER))))


def test_supervisord_runs_the_api_and_the_worker() -> None:
    programs = supervisord_programs()
    api = shlex.split(programs["api"]["command"])
    worker = shlex.split(programs["worker"]["command"])

    assert set(programs) == {"api", "worker"}
    assert expand_here(api[0]) == PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
    assert api[1] == "-c"
    assert expand_here(api[2]) == DOCKER / "gunicorn.conf.py"
    assert api[3:] == ["api.main:create_app()"]
    assert expand_here(worker[0]) == PROJECT_ROOT / ".venv" / "bin" / "armature"
    assert worker[1:] == ["worker"]
    for program in programs.values():
        assert expand_here(program["directory"]) == PROJECT_ROOT


@pytest.mark.parametrize("name", ["api", "worker"])
def test_supervisord_stops_gracefully_and_logs_to_the_console(name: str) -> None:
    program = supervisord_programs()[name]

    assert program["stopsignal"] == "TERM"
    assert int(program["stopwaitsecs"]) > graceful_timeout()
    assert program.getboolean("killasgroup")
    assert not program.getboolean("stopasgroup")
    for stream in ("stdout", "stderr"):
        assert program[f"{stream}_logfile"] == f"/dev/{stream}"
        assert program[f"{stream}_logfile_maxbytes"] == "0"


def test_supervisord_gives_the_worker_its_own_metrics_port() -> None:
    programs = supervisord_programs()
    worker = dict(pair.split("=", 1) for pair in programs["worker"]["environment"].split(","))
    assert "METRICS_PORT" not in programs["api"].get("environment", "")
    assert worker["METRICS_PORT"].strip('"').isdigit()
