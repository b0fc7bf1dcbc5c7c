"""A component from outside the repository: built, installed, migrated, served, disabled."""

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from api.testing import PROJECT_ROOT, throwaway_postgres_database
from api.testing_servers import serve_app_in_process

PACKAGE = Path(__file__).parent / "fixtures" / "bookmarks"
BUILT_INS = "items,accounts,automations"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package built as a wheel and installed into a folder of its own, as pip would."""
    target = tmp_path_factory.mktemp("site")
    uv = os.environ.get("UV") or "uv"
    subprocess.run(  # noqa: S603
        [uv, "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(PACKAGE)],
        check=True,
        capture_output=True,
    )
    assert (target / "bookmarks" / "migrations" / "0001_create_bookmark.py").is_file()
    return target


def environment(site: Path | None, database_url: str, **extra: str) -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if name != "COMPONENTS"}
    env = {**inherited, "ENVIRONMENT": "test", "DATABASE_URL": database_url, **extra}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return env


def armature(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from api.cli import main; main()", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'external.sqlite3'}"
        return
    async with throwaway_postgres_database() as url:
        yield url


def test_its_branch_is_migrated_with_the_projects_chain(site: Path, database_url: str) -> None:
    env = environment(site, database_url)

    upgraded = armature(env, "db", "upgrade", "--json")
    checked = armature(env, "db", "check")
    without_it = armature(environment(None, database_url), "db", "status")

    assert upgraded.returncode == 0, upgraded.stderr
    status = json.loads(upgraded.stdout)
    assert "bookmarks_0001" in status["heads"]
    assert status["current"] == status["heads"]
    assert status["up_to_date"] is True
    assert checked.returncode == 0, checked.stderr
    assert "the schema matches the code" in checked.stdout
    # Uninstalled, its applied revision is named, not a traceback.
    assert without_it.returncode == 1
    assert "bookmarks_0001 belong to no installed component" in without_it.stdout


@pytest.fixture(scope="module")
def migrated(site: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('served') / 'served.sqlite3'}"
    result = armature(environment(site, url), "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture
def served(site: Path, migrated: str, tmp_path: Path) -> Iterator[str]:
    with serve_app_in_process(environment(site, migrated), PROJECT_ROOT, tmp_path / "log") as url:
        yield url


def test_its_routes_are_served_and_documented(served: str) -> None:
    with httpx.Client(base_url=served) as client:
        added = client.post("/api/v1/bookmarks", json={"url": "https://example.com/"})
        listed = client.get("/api/v1/bookmarks")
        paths = client.get("/openapi.json").json()["paths"]

    assert added.status_code == 201, added.text
    assert listed.json() == [{"url": "https://example.com/"}]
    assert "/api/v1/bookmarks" in paths
    assert "/api/v1/items" in paths


def test_disabling_it_removes_its_routes(site: Path, migrated: str, tmp_path: Path) -> None:
    env = environment(site, migrated, COMPONENTS=BUILT_INS)

    with serve_app_in_process(env, PROJECT_ROOT, tmp_path / "log") as url, httpx.Client() as client:
        missing = client.get(f"{url}/api/v1/bookmarks")
        paths = client.get(f"{url}/openapi.json").json()["paths"]

    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "/api/v1/bookmarks" not in paths
    assert "/api/v1/items" in paths
