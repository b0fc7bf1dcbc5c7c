"""`make bench-cpu`: the app's own CPU a request, in process, without the server around it.

python -m bench.inprocess [--mode mix|filter|create] [--requests N] [--rounds R] [--bare]
python -m bench.inprocess --callgrind      # instructions a request: repeatable to 1-2 %

The app is built as a gunicorn worker builds it (production settings, multiprocess metrics,
the worker's garbage-collector settings), over a PostgreSQL database filled as `make bench`
fills it, with Redis and RabbitMQ; requests go straight into its ASGI callable, `--in-flight`
at a time, filter and create in turn for the mix, with the `X-Request-ID` and
`X-Forwarded-For` nginx sends. Each round prints the process's CPU time a request: uvicorn's
HTTP parsing, nginx, PostgreSQL and the load generator are not in it (this driver's own small
share is, the same before and after a change), so a change to the app shows without the
end-to-end runs' noise.
CPU time still moves with the machine (5-10 % from one run to the next on a shared one);
under `--callgrind` (valgrind, from Debian) the measured rounds count instructions instead,
which move by 1-2 %: the way to tell a step of a few per cent. The bare reference
(`--bare`) answers the same requests for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import broker, data
from core.adapters.jose_tokens import generate_signing_key_pem

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")
ITEMS = "/api/v1/items"
# A database and an exchange of each run's own; a run under callgrind measures in a child,
# which is handed its parent's.
RUN = os.environ.get("BENCH_RUN") or str(os.getpid())
DATABASE = f"{SERVER}/bench_inprocess_{RUN}"
EXCHANGE = f"armature-bench-inprocess-{RUN}"
# The callers each request is drawn from, the same sequence in every run.
DRAW = random.Random(8)
# As _DOCKER/gunicorn.conf.py's post_worker_init sets a worker's collector.
GC_YOUNG_THRESHOLD = 7000
# A generous bound on a measurement under valgrind (about 40 times slower than without).
CALLGRIND_TIMEOUT_SECONDS = 3600
ASGIApp = Callable[..., Awaitable[None]]


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.inprocess", description=__doc__)
    parser.add_argument("--mode", choices=("mix", "filter", "create"), default="mix")
    parser.add_argument("--requests", type=int, default=3_000, help="a round's requests")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=300, help="requests before the rounds")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--accounts", type=int, default=8, help="callers (of the 100 seeded)")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--bare", action="store_true", help="the bare reference instead")
    parser.add_argument("--callgrind", action="store_true", help="count instructions")
    # The child a --callgrind run measures in: its parent filled the database.
    parser.add_argument("--no-fill", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def production_env(folder: Path) -> dict[str, str]:
    """What `make serve` gives a worker, the limits high: every caller is one address."""
    (folder / "secrets").mkdir(parents=True, exist_ok=True)
    (folder / "metrics").mkdir(exist_ok=True)
    (folder / "secrets" / "token_signing_key").write_text(generate_signing_key_pem())
    limit = "1000000/minute"
    return {
        "ENVIRONMENT": "production",
        "DATABASE_URL": DATABASE,
        "DATABASE_POOL_SIZE": "20",
        "DATABASE_MAX_OVERFLOW": "0",
        "REDIS_URL": os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13"),
        "RABBITMQ_URL": os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        "RABBITMQ_EXCHANGE": EXCHANGE,
        "SECRETS_DIR": str(folder / "secrets"),
        "FILES_DIR": str(folder / "files"),
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXIES": "127.0.0.1",
        "TOKEN_ISSUER": "https://armature.bench.invalid",
        "SMTP_HOST": "127.0.0.1",
        "RATE_LIMIT_DEFAULT": limit,
        "RATE_LIMIT_LOGIN_PER_IP": limit,
        "RATE_LIMIT_LOGIN_PER_USERNAME": limit,
        "BARE_DATABASE_URL": DATABASE.replace("postgresql+asyncpg://", "postgresql://"),
    }


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    *,
    query: bytes = b"",
    body: bytes = b"",
    headers: Any = (),
) -> tuple[int, bytes]:
    """One request into the ASGI app, with the headers nginx adds; its status and body.

    Built here rather than by httpx's ASGITransport: the client's own work on every request
    and response would count in the figure.
    """
    sent = [
        (b"host", b"localhost"),
        (b"x-request-id", os.urandom(16).hex().encode()),
        (b"x-forwarded-for", b"10.1.2.3"),
        *headers,
    ]
    if body:
        sent.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": sent,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client never hangs up
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["body"]


async def seeded_accounts(count: int) -> list[data.Account]:
    """The first `count` of the accounts `make bench` seeds."""
    connection = await asyncpg.connect(os.environ["BARE_DATABASE_URL"])
    try:
        rows = await connection.fetch(
            "SELECT id, email FROM account WHERE email = ANY($1::text[]) ORDER BY email",
            [f"bench{number}@example.com" for number in range(count)],
        )
    finally:
        await connection.close()
    return [data.Account(row["id"], row["email"]) for row in rows]


async def bearer_headers(app: ASGIApp, bare: bool, count: int) -> list[list[tuple[bytes, bytes]]]:
    """An Authorization header per caller: a token from the app's own password grant, or
    for the bare reference, which verifies nothing, the account's id."""
    accounts = await seeded_accounts(count)
    if bare:
        tokens = [str(account.id) for account in accounts]
    else:
        transport = httpx.ASGITransport(app=app)
        tokens = await data.login_all("http://localhost", accounts, transport=transport)
    return [[(b"authorization", f"Bearer {token}".encode())] for token in tokens]


async def one_request(app: ASGIApp, kind: str, headers: list[tuple[bytes, bytes]]) -> None:
    if kind == "filter":
        status, body = await call(app, "GET", ITEMS, query=b"limit=100", headers=headers)
        expected = 200
    else:
        item = {"name": f"seed {DRAW.getrandbits(40):x}", "description": "load", "price": "12.34"}
        content = [*headers, (b"content-type", b"application/json")]
        status, body = await call(
            app, "POST", ITEMS, body=json.dumps(item).encode(), headers=content
        )
        expected = 201
    if status != expected:
        raise RuntimeError(f"{kind}: {status} {body[:300]!r}")


async def run_round(
    app: ASGIApp, args: argparse.Namespace, callers: list[Any], requests: int
) -> tuple[float, float]:
    """CPU seconds and wall seconds for `requests` requests, `--in-flight` at a time."""
    kinds = ("filter", "create") if args.mode == "mix" else (args.mode,)
    gate = asyncio.Semaphore(args.in_flight)

    async def gated(kind: str) -> None:
        async with gate:
            await one_request(app, kind, DRAW.choice(callers))

    # In turn rather than drawn: every round and every run has the same share of each.
    jobs = [kinds[number % len(kinds)] for number in range(requests)]
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(gated(kind) for kind in jobs))
    return time.process_time() - cpu, time.perf_counter() - wall


def collecting(on: bool) -> None:
    """Turn callgrind's counting on or off in this process (a no-op outside valgrind)."""
    if os.environ.get("BENCH_CALLGRIND"):
        state = "on" if on else "off"
        command = ["callgrind_control", "-i", state, str(os.getpid())]
        subprocess.run(command, check=True, capture_output=True, timeout=60)


async def measure(args: argparse.Namespace) -> None:
    app = build_app(args.bare)
    async with app.router.lifespan_context(app):
        callers = await bearer_headers(app, args.bare, args.accounts)
        settle_heap()
        await run_round(app, args, callers, args.warmup)
        for number in range(1, args.rounds + 1):
            collecting(on=True)
            cpu, wall = await run_round(app, args, callers, args.requests)
            collecting(on=False)
            print(
                f"{args.mode} round {number}: {1000 * cpu / args.requests:.3f} ms of CPU a "
                f"request, {args.requests / wall:.0f} requests/s",
                flush=True,
            )


def build_app(bare: bool) -> Any:
    """Imported only now, once `main` has set the environment: prometheus_client picks its
    storage as the metrics are defined. The bare reference sits beside this package (the
    working directory of `make bench-cpu`)."""
    module = importlib.import_module("bare_app" if bare else "api.main")
    return module.create_app()


def settle_heap() -> None:
    """What the gunicorn config does to a worker once its app is built (the bare app does it
    in its lifespan): the long-lived objects out of every collection, fewer young ones."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def measure_logging_to(log: Path, args: argparse.Namespace) -> None:
    """The app writes its lines as in production, but to `log` rather than the terminal."""
    sys.stderr.flush()
    terminal = os.dup(sys.stderr.fileno())
    with log.open("ab") as file:
        os.dup2(file.fileno(), sys.stderr.fileno())
        try:
            asyncio.run(measure(args))
        finally:
            sys.stderr.flush()
            os.dup2(terminal, sys.stderr.fileno())
            os.close(terminal)


def under_callgrind(args: argparse.Namespace, folder: Path) -> None:
    """Run the measurement again under valgrind; print the instructions a request."""
    out = folder / "callgrind.out"
    command = [
        *("valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"),
        *(sys.executable, "-m", "bench.inprocess", "--no-fill"),
        *("--mode", args.mode, "--requests", str(args.requests), "--rounds", str(args.rounds)),
        *("--in-flight", str(args.in_flight), "--accounts", str(args.accounts)),
        *("--warmup", str(args.warmup)),
        *(("--bare",) if args.bare else ()),
    ]
    env = {**os.environ, "BENCH_CALLGRIND": "1", "BENCH_RUN": RUN}
    child = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=CALLGRIND_TIMEOUT_SECONDS,
    )
    if child.returncode != 0:
        raise SystemExit(f"the measurement under valgrind failed:\n{child.stderr[-3000:]}")
    totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
    instructions = sum(int(line.split()[1]) for line in totals)
    requests = args.requests * args.rounds
    print(f"{args.mode}: {instructions / requests / 1e6:.3f} M instructions a request")


def main() -> None:
    args = options()
    with tempfile.TemporaryDirectory(prefix="bench-inprocess-") as temporary:
        folder = Path(temporary)
        os.environ.update(production_env(folder))
        if args.no_fill:
            measure_logging_to(folder / "app.log", args)
            return
        asyncio.run(data.create_database(DATABASE))
        try:
            data.migrate(DATABASE)
            asyncio.run(data.seed(DATABASE, args.rows))
            if args.callgrind:
                under_callgrind(args, folder)
            else:
                measure_logging_to(folder / "app.log", args)
        finally:
            asyncio.run(data.drop_database(DATABASE))
            asyncio.run(broker.drop_exchange(EXCHANGE))


if __name__ == "__main__":
    main()
