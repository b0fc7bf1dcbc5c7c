"""`armature accounts create-admin`: the same use case as the API; errors are messages."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from api.testing import PROJECT_ROOT, alembic_config


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    command.upgrade(alembic_config(), "head")
    return {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
    }


def armature(env: dict[str, str], *args: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from api.cli import main; main()", *args],
        cwd=PROJECT_ROOT,
        env={**env, "ARMATURE_ADMIN_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def accounts(env: dict[str, str]) -> list[tuple[str, str]]:
    path = env["DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute("select email, scopes from account").fetchall()


def test_create_admin_creates_an_administrator(env: dict[str, str]) -> None:
    result = armature(
        env, "accounts", "create-admin", "--email", "Ops@Example.com", password="long enough secret"
    )

    assert result.returncode == 0, result.stderr
    assert "ops@example.com is an administrator" in result.stdout
    assert accounts(env) == [("ops@example.com", "accounts:admin items:read items:write")]


def test_create_admin_refuses_a_short_password_without_a_traceback(env: dict[str, str]) -> None:
    result = armature(
        env, "accounts", "create-admin", "--email", "ops@example.com", password="short"
    )

    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "password" in result.stdout + result.stderr
    assert accounts(env) == []
