"""The bare reference: FastAPI and raw asyncpg, the floor every figure is compared to.

Not part of the product. It answers the seed workload's two requests with Armature's
queries (the same page and count, the same transaction boundaries, the same outbox row per
created item) and the same JSON, without authentication, logging, metrics, rate limits or
middleware. It reads the page's rows and turns them into JSON in Python, as a plain FastAPI
+ asyncpg app does, and counts in a second round trip; Armature's v1 list has PostgreSQL
write the JSON, page and count in one statement (core.adapters.sqlalchemy.json_rows), a
technique of Armature's that the reference lacks.
The caller's account is whatever `Authorization: Bearer <uuid>` names, unverified, so the
locustfile sends the same requests to both.

    gunicorn -k uvicorn_worker.UvicornWorker -w 2 'bare_app:create_app()'   # BARE_DATABASE_URL
"""

from __future__ import annotations

import gc
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from fastapi import FastAPI, Header, Request, Response

DATABASE_URL = "BARE_DATABASE_URL"
GC_YOUNG_THRESHOLD = 7000
_COLUMNS = "id, owner_id, name, description, price, version, created_at, updated_at"
_LIST = (
    f"SELECT {_COLUMNS} FROM item WHERE owner_id = $1 "  # noqa: S608 (constants only)
    "ORDER BY created_at DESC NULLS LAST, id ASC LIMIT $2 OFFSET $3"
)
_COUNT = "SELECT count(*) FROM item WHERE owner_id = $1"
_INSERT_ITEM = f"INSERT INTO item ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"  # noqa: S608
_INSERT_OUTBOX = (
    "INSERT INTO outbox_message (id, type, audience, data, headers, occurred_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)"
)


def create_app() -> FastAPI:
    """The reference app over the database named by BARE_DATABASE_URL."""
    app = FastAPI(lifespan=_lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/api/v1/items")
    async def list_items(
        request: Request, authorization: str = Header(), limit: int = 20, offset: int = 0
    ) -> Response:
        owner = _owner(authorization)
        # No transaction, as Armature's read-only units: each statement commits on its own.
        async with request.app.state.pool.acquire() as connection:
            rows = await connection.fetch(_LIST, owner, limit, offset)
            total = await connection.fetchval(_COUNT, owner)
        page = {"items": [_item(row) for row in rows], "total": total}
        return _json({**page, "limit": limit, "offset": offset}, 200)

    @app.post("/api/v1/items")
    async def create_item(request: Request, authorization: str = Header()) -> Response:
        data = await request.json()
        now = datetime.now(UTC)
        item = {
            "id": uuid.uuid4(),
            "owner_id": _owner(authorization),
            "name": data["name"],
            "description": data.get("description"),
            "price": None if data.get("price") is None else Decimal(data["price"]),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        async with request.app.state.pool.acquire() as connection, connection.transaction():
            await connection.execute(_INSERT_ITEM, *item.values())
            await connection.execute(_INSERT_OUTBOX, *_created_event(item, now))
        body = _item(item)
        headers = {"Location": f"/api/v1/items/{item['id']}", "ETag": '"1"'}
        return _json(body, 201, headers)

    @app.get("/health")
    async def health() -> Response:
        return _json({"status": "ok"}, 200)

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ[DATABASE_URL].replace("postgresql+asyncpg://", "postgresql://")
    # Armature's pool: 10 connections plus 10 of overflow per worker.
    app.state.pool = await asyncpg.create_pool(url, min_size=2, max_size=20)
    # The garbage collector as Armature's workers set it (_DOCKER/gunicorn.conf.py).
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    try:
        yield
    finally:
        await app.state.pool.close()


def _owner(authorization: str) -> uuid.UUID:
    return uuid.UUID(authorization.removeprefix("Bearer "))


def _item(row: Any) -> dict[str, Any]:
    price = row["price"]
    return {
        "id": str(row["id"]),
        "owner_id": None if row["owner_id"] is None else str(row["owner_id"]),
        "name": row["name"],
        "description": row["description"],
        "price": None if price is None else str(price),
        "version": row["version"],
        "created_at": _timestamp(row["created_at"]),
        "updated_at": _timestamp(row["updated_at"]),
    }


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _created_event(item: dict[str, Any], now: datetime) -> tuple[object, ...]:
    snapshot = {**_item(item), "created_at": now.isoformat(), "updated_at": now.isoformat()}
    data = json.dumps({"item": snapshot})
    return (uuid.uuid4(), "item.created", str(item["owner_id"]), data, "{}", now)


def _json(body: object, status: int, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":")).encode()
    return Response(content, status, headers, media_type="application/json")
