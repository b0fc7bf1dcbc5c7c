"""The bench database: created, migrated, filled through SQL, reset between runs, dropped.

100 accounts own 100 items each (the seed workload lists one of them: ~100 rows); rows
beyond those 10,000 belong to an archive account. An administrator sees them all: API v2's
pagination is walked as that one.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from bench.servers import BIN, ROOT

SEED_ACCOUNTS = 100
SEED_ROWS_PER_ACCOUNT = 100
PASSWORD = "bench-password-1"  # noqa: S105 (the accounts live in a throwaway database)
SCOPES = "automations:read automations:write items:read items:write"
ADMIN_SCOPES = f"accounts:admin {SCOPES}"
# The server's defaults (PASSWORD_HASH_TIME_COST, PASSWORD_HASH_MEMORY_KIB): no rehash on login.
HASHER = PasswordHash((Argon2Hasher(time_cost=3, memory_cost=65_536),))


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str
    password: str = PASSWORD


@dataclass(frozen=True)
class Seeded:
    """What the database holds once filled."""

    accounts: list[Account]
    admin: Account
    rows: int
    seeded_at: datetime


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def create_database(url: str) -> None:
    """A fresh, empty database named by `url` (dropped first when it exists)."""
    name = url.rsplit("/", 1)[1]
    server = await asyncpg.connect(_plain(url).rsplit("/", 1)[0] + "/postgres")
    try:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.execute(f'CREATE DATABASE "{name}"')
    finally:
        await server.close()


async def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    server = await asyncpg.connect(_plain(url).rsplit("/", 1)[0] + "/postgres")
    try:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await server.close()


def migrate(url: str) -> None:
    subprocess.run(
        [str(BIN / "armature"), "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": url},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


async def seed(url: str, rows: int, account_count: int = SEED_ACCOUNTS) -> Seeded:
    """Fill the database: the accounts, then `rows` items, in a few statements."""
    password_hash = HASHER.hash(PASSWORD)
    accounts = [Account(uuid.uuid4(), f"bench{n}@example.com") for n in range(account_count)]
    admin = Account(uuid.uuid4(), "bench-admin@example.com")
    archive = Account(uuid.uuid4(), "bench-archive@example.com")
    now = datetime.now(UTC)
    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.executemany(
            "INSERT INTO account (id, email, password_hash, scopes, disabled, version, "
            "created_at, updated_at) VALUES ($1, $2, $3, $4, false, 1, $5, $5)",
            [(a.id, a.email, password_hash, SCOPES, now) for a in [*accounts, archive]]
            + [(admin.id, admin.email, password_hash, ADMIN_SCOPES, now)],
        )
        seed_rows = min(rows, account_count * SEED_ROWS_PER_ACCOUNT)
        await _items(connection, [a.id for a in accounts], seed_rows, now)
        if rows > seed_rows:
            await _items(connection, [archive.id], rows - seed_rows, now, offset=seed_rows)
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return Seeded(accounts, admin, rows, now)


async def _items(
    connection: asyncpg.Connection,
    owners: list[uuid.UUID],
    count: int,
    now: datetime,
    offset: int = 0,
) -> None:
    # One price in ten is NULL; timestamps a millisecond apart, newest first.
    await connection.execute(
        """
        INSERT INTO item (id, owner_id, name, description, price, version, created_at, updated_at)
        SELECT gen_random_uuid(), ($1::uuid[])[1 + g % cardinality($1::uuid[])],
               'item ' || md5(g::text), 'seeded',
               CASE WHEN g % 10 = 0 THEN NULL ELSE (g % 100000) / 100.0 END, 1,
               $2::timestamptz - g * interval '1 millisecond',
               $2::timestamptz - g * interval '1 millisecond'
        FROM generate_series($3::bigint, $4::bigint) AS g
        """,
        owners,
        now,
        offset,
        offset + count - 1,
    )


async def reset(url: str, seeded: Seeded) -> None:
    """Remove what runs added (items, automations, runs, events) and refresh the statistics."""
    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.execute("DELETE FROM automation_run")
        await connection.execute("DELETE FROM automation")
        await connection.execute("DELETE FROM item WHERE created_at > $1", seeded.seeded_at)
        await connection.execute("DELETE FROM outbox_message")
        await connection.execute("DELETE FROM processed_message")
        await connection.execute("DELETE FROM refresh_token")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def login_all(
    base_url: str,
    accounts: list[Account],
    parallel: int = 4,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[str]:
    """An access token per account, through the API's own password grant (over `transport`,
    such as an app's `httpx.ASGITransport`, when given)."""
    gate = asyncio.Semaphore(parallel)

    async def login(client: httpx.AsyncClient, account: Account) -> str:
        async with gate:
            form = {
                "grant_type": "password",
                "username": account.email,
                "password": account.password,
            }
            response = await client.post("/api/v1/auth/token", data=form)
            response.raise_for_status()
            token: str = response.json()["access_token"]
            return token

    async with httpx.AsyncClient(base_url=base_url, timeout=30, transport=transport) as client:
        return list(await asyncio.gather(*(login(client, a) for a in accounts)))


def write_accounts(path: Path, accounts: list[Account], tokens: list[str]) -> Path:
    """The file the locustfile reads (BENCH_ACCOUNTS)."""
    rows = [
        {"email": a.email, "password": a.password, "token": token}
        for a, token in zip(accounts, tokens, strict=True)
    ]
    path.write_text(json.dumps(rows))
    return path
