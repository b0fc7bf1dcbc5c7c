"""The servers under test: `make serve`'s stack, and the bare reference (alone or behind nginx).

Each is started fresh for a run and stopped after it, on free ports of 127.0.0.1, so only
one server set competes for the two cores at a time. The stack is started by the very script
`make serve` runs; the bare reference gets the very nginx configuration the stack uses.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from core.testing.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVE = ROOT / "_DOCKER" / "serve.sh"
NGINX_CONF = ROOT / "_DOCKER" / "nginx" / "nginx.conf"
START_TIMEOUT_SECONDS = 90.0
# The groups a run measures, by the pid file serve.sh writes for each.
STACK_PROCESSES = {"server": "gunicorn", "worker": "worker", "nginx": "nginx"}


@dataclass(frozen=True)
class Settings:
    """Where the servers keep their state, and what they talk to."""

    folder: Path
    database_url: str
    redis_url: str
    exchange: str


@dataclass
class Running:
    """A started server set: its URLs (through nginx, and gunicorn directly) and root pids."""

    nginx_url: str
    direct_url: str
    pids: dict[str, int] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)
    # nginx's access lines: the time each request spent upstream, as the edge saw it.
    edge_log: Path | None = None

    def url(self, *, via_nginx: bool) -> str:
        return self.nginx_url if via_nginx else self.direct_url

    def exited(self) -> list[str]:
        """The process groups whose root has exited: a run without them measures less work."""
        return [name for name, pid in self.pids.items() if not _alive(pid)]

    def measured(self, *, via_nginx: bool) -> dict[str, int]:
        """The process groups a run measures: nginx only when the load goes through it."""
        return {k: v for k, v in self.pids.items() if via_nginx or k != "nginx"}


def stack_env(settings: Settings, workers: int, serve_dir: Path) -> dict[str, str]:
    """Production settings; the limits are high because every user comes from one address."""
    return {
        **os.environ,
        "SERVE_DIR": str(serve_dir),
        "SECRETS_DIR": str(settings.folder / "secrets"),
        "NGINX_PORT": str(free_port()),
        "API_PORT": str(free_port()),
        "WEB_CONCURRENCY": str(workers),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "RABBITMQ_EXCHANGE": settings.exchange,
        # 64 clients keep ~32 requests in each worker: 20 connections that stay open, as the
        # bare reference's pool has, rather than 10 and 10 of overflow opened and closed.
        "DATABASE_POOL_SIZE": "20",
        "DATABASE_MAX_OVERFLOW": "0",
        "RATE_LIMIT_DEFAULT": "1000000/minute",
        "RATE_LIMIT_LOGIN_PER_IP": "1000000/minute",
        "RATE_LIMIT_LOGIN_PER_USERNAME": "1000000/minute",
        "ACCESS_TOKEN_TTL_SECONDS": "3600",
        # One issuer for every stack started (ports change): tokens stay valid across them.
        "TOKEN_ISSUER": "https://armature.bench.invalid",
        # Nothing polls readiness here: stop at once rather than drain for a load balancer.
        "GUNICORN_DRAIN_SECONDS": "0",
        "BIN": str(BIN),
        # Production refuses to start without a mail relay; the bench's flows send no mail.
        "SMTP_HOST": os.environ.get("SMTP_HOST", "127.0.0.1"),
    }


@contextmanager
def armature(settings: Settings, workers: int) -> Iterator[Running]:
    """`_DOCKER/serve.sh start` with `workers` gunicorn workers; stopped on exit."""
    serve_dir = settings.folder / f"serve-{workers}w"
    serve_dir.mkdir(parents=True, exist_ok=True)
    serve_dir.chmod(0o755)
    env = stack_env(settings, workers, serve_dir)
    try:
        _run([str(SERVE), "start"], env, serve_dir / "start.log")
        pids = {name: _pid(serve_dir, pid) for name, pid in STACK_PROCESSES.items()}
        logs = [serve_dir / "gunicorn.log", serve_dir / "worker.log"]
        nginx_url, direct_url = _local(env["NGINX_PORT"]), _local(env["API_PORT"])
        yield Running(nginx_url, direct_url, pids, logs, serve_dir / "nginx.log")
    finally:
        subprocess.run([str(SERVE), "stop"], env=env, check=False, capture_output=True)


@contextmanager
def bare(settings: Settings, workers: int) -> Iterator[Running]:
    """The reference app under gunicorn's uvicorn workers, behind the stack's nginx or not."""
    folder = settings.folder / f"bare-{workers}w"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    port = free_port()
    env = {**os.environ, "BARE_DATABASE_URL": settings.database_url}
    command = [
        str(BIN / "gunicorn"),
        *("-k", "uvicorn_worker.UvicornWorker", "-w", str(workers)),
        *("-b", f"127.0.0.1:{port}", "--chdir", str(ROOT / "_BENCHMARK")),
        *("--keep-alive", "75", "--log-level", "warning"),
        "bare_app:create_app()",
    ]
    with _process(command, env, folder / "gunicorn.log") as server:
        _wait_healthy(f"http://127.0.0.1:{port}/health", server)
        with _nginx(folder, port) as (edge, edge_port):
            pids = {"server": server.pid, "nginx": edge.pid}
            logs = [folder / "gunicorn.log"]
            yield Running(_local(edge_port), _local(port), pids, logs, folder / "nginx.log")


@contextmanager
def _nginx(folder: Path, upstream_port: int) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The stack's nginx.conf in front of the bare app: the same edge for both."""
    prefix = folder / "nginx"
    prefix.mkdir(exist_ok=True)
    port = free_port()
    config = re.sub(
        r"(?m)^(\s*)listen 8080;", rf"\g<1>listen 127.0.0.1:{port};", NGINX_CONF.read_text()
    )
    (prefix / "nginx.conf").write_text(config)
    (prefix / "armature-upstream.conf").write_text(f"server 127.0.0.1:{upstream_port};\n")
    command = ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"]
    with _process(command, dict(os.environ), folder / "nginx.log") as edge:
        _wait_healthy(f"http://127.0.0.1:{port}/health", edge)
        yield edge, port


@contextmanager
def _process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:  # noqa: PLR2004
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_SECONDS:.0f} s")


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("wb") as output:
        result = subprocess.run(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed; see {log}:\n{log.read_text()[-3000:]}")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _local(port: int | str) -> str:
    return f"http://127.0.0.1:{port}"


def _pid(serve_dir: Path, name: str) -> int:
    return int((serve_dir / f"{name}.pid").read_text())
