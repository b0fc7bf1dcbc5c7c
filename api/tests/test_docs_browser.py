"""/docs and /redoc render in a real browser under the app's Content-Security-Policy."""

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.testing import PROJECT_ROOT
from core.testing.ports import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BLOCKED = re.compile(r"Loading the \w+ '([^']+)' violates|Refused to \w+ '([^']+)'")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app under uvicorn, on a migrated SQLite file."""
    folder = tmp_path_factory.mktemp("browser")
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/docs.sqlite3",
    }
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=PROJECT_ROOT, env=env, check=True
    )
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.main:create_app",
        "--port",
        str(port),
    ]
    log = (folder / "uvicorn.log").open("w")
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        _wait(f"http://127.0.0.1:{port}/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 30 s")


def render(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=8000", "--window-size=1200,900",
    ]  # fmt: skip
    return subprocess.run(  # noqa: S603
        [CHROMIUM, *flags, *extra, url], capture_output=True, text=True, timeout=90, check=False
    )


def blocked_loads(stderr: str) -> list[str]:
    return [a or b for a, b in BLOCKED.findall(stderr)]


def test_swagger_ui_renders_every_operation_with_no_csp_violation(
    server: str, tmp_path: Path
) -> None:
    shot = PROJECT_ROOT / ".artifacts" / "docs.png"
    shot.parent.mkdir(exist_ok=True)
    page = render(f"{server}/docs", tmp_path / "profile", "--dump-dom")
    render(f"{server}/docs", tmp_path / "profile2", f"--screenshot={shot}")

    assert 'data-path="/api/v1/items"' in page.stdout
    assert "opblock" in page.stdout
    assert blocked_loads(page.stderr) == []
    assert shot.stat().st_size > 10_000


def test_redoc_renders_and_only_outside_loads_are_blocked(server: str, tmp_path: Path) -> None:
    page = render(f"{server}/redoc", tmp_path / "profile", "--dump-dom")

    assert "/api/v1/items" in page.stdout
    assert all(not url.startswith(server) for url in blocked_loads(page.stderr))
