"""`make serve`'s stack for end-to-end tests: nginx -> gunicorn (2 workers) -> the services.

The stack is started by the very script `make serve` runs (`_DOCKER/serve.sh`), on free
ports and in a folder of the test's own, so a developer's own `make serve` is untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from api.testing import PROJECT_ROOT
from core.testing.ports import free_port

SERVE = PROJECT_ROOT / "_DOCKER" / "serve.sh"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
# A database number of its own: the stack's rate limits and idempotency keys stay apart.
STACK_REDIS_DB = 12
E2E_SCOPES = "items:read items:write automations:read automations:write"
# Low enough to reach in a test, per username; the per-IP limit is out of the way.
LOGIN_LIMIT_PER_USERNAME = 20


@dataclass(frozen=True)
class Stack:
    """A running stack: its public URL (nginx) and the folder holding its pids and logs."""

    url: str
    folder: Path

    def pid(self, name: str) -> int:
        """The pid of `gunicorn` (the master), `worker` or `nginx`."""
        return int((self.folder / f"{name}.pid").read_text())

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    @property
    def ws_url(self) -> str:
        return re.sub(r"^http", "ws", self.url)


def stack_env(folder: Path, database_url: str, **settings: str) -> dict[str, str]:
    """Production settings for a stack of its own; `settings` add or override."""
    return {
        **os.environ,
        "SERVE_DIR": str(folder),
        "NGINX_PORT": str(free_port()),
        "API_PORT": str(free_port()),
        "DATABASE_URL": database_url,
        "REDIS_URL": f"{REDIS_URL}/{STACK_REDIS_DB}",
        "RABBITMQ_EXCHANGE": "armature-e2e",
        "ACCOUNTS_DEFAULT_SCOPES": E2E_SCOPES,
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        **settings,
    }


@contextmanager
def stack_folder() -> Iterator[Path]:
    """A folder for a stack's pids, logs and nginx's cache, removed afterwards.

    Not under pytest's tmp_path: that is private to its owner, and nginx's workers, which
    drop root for `nobody`, must reach their temp and cache folders inside it.
    """
    folder = Path(tempfile.mkdtemp(prefix="armature-stack-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def served_stack(env: dict[str, str]) -> Iterator[Stack]:
    """`_DOCKER/serve.sh start` with `env`, stopped (drained) on exit."""
    folder = Path(env["SERVE_DIR"])
    started = _serve("start", env)
    if started.returncode != 0:
        _serve("stop", env)
        raise AssertionError(f"the stack did not start:\n{started.stdout}\n{started.stderr}")
    try:
        yield Stack(url=f"http://127.0.0.1:{env['NGINX_PORT']}", folder=folder)
    finally:
        _serve("stop", env)


def _serve(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own script)
        [str(SERVE), command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
