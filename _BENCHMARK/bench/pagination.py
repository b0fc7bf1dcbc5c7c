"""API v2 keyset pagination, walked end to end as an administrator, with inserts meanwhile.

The first pages and the last ones are then fetched again, alternately, and their times
compared (flat means the same cost), and so is v1's offset paging at the same depth. The
walk also checks correctness: every row present when it started is seen exactly once,
whatever was inserted meanwhile.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from bench.data import _plain

PAGE = 100
COMPARED_PAGES = 20
INSERT_EVERY_PAGES = 25
RETIMINGS = 3


@dataclass(frozen=True)
class PaginationResult:
    rows: int
    pages: int
    first_ms: float
    last_ms: float
    offset_first_ms: float
    offset_last_ms: float
    duplicates: int
    missing: int
    inserted: int

    @property
    def ratio(self) -> float:
        return self.last_ms / self.first_ms


async def walk(
    base_url: str, token: str, database_url: str, sort: str = "name"
) -> PaginationResult:
    """Page through every item with `sort`, inserting items as it goes."""
    before = await _ids(database_url)
    seen: list[str] = []
    cursors: list[str | None] = []
    inserted = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        cursor: str | None = None
        while True:
            cursors.append(cursor)
            page = await _page(client, sort, cursor)
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            if len(cursors) % INSERT_EVERY_PAGES == 0:
                await _insert(client)
                inserted += 1
        first, last = await _retimed(client, sort, cursors)
        offsets = await _offset_timings(client, len(before))
    return PaginationResult(
        rows=len(before),
        pages=len(cursors),
        first_ms=first,
        last_ms=last,
        offset_first_ms=offsets[0],
        offset_last_ms=offsets[1],
        duplicates=len(seen) - len(set(seen)),
        missing=len(before - set(seen)),
        inserted=inserted,
    )


async def _page(client: httpx.AsyncClient, sort: str, cursor: str | None) -> dict[str, Any]:
    params = {"limit": str(PAGE), "sort": sort, **({"cursor": cursor} if cursor else {})}
    response = await client.get("/api/v2/items", params=params)
    response.raise_for_status()
    page: dict[str, Any] = response.json()
    return page


async def _retimed(
    client: httpx.AsyncClient, sort: str, cursors: list[str | None]
) -> tuple[float, float]:
    """The first and the last pages fetched again, alternately, so that both meet the same
    machine: median milliseconds of each."""
    first: list[float] = []
    last: list[float] = []
    for _ in range(RETIMINGS):
        for early, late in zip(cursors[:COMPARED_PAGES], cursors[-COMPARED_PAGES:], strict=False):
            for cursor, timings in ((early, first), (late, last)):
                started = time.perf_counter()
                await _page(client, sort, cursor)
                timings.append((time.perf_counter() - started) * 1000)
    return _median(first), _median(last)


async def _ids(database_url: str) -> set[str]:
    connection = await asyncpg.connect(_plain(database_url))
    try:
        return {str(row[0]) for row in await connection.fetch("SELECT id FROM item")}
    finally:
        await connection.close()


async def _insert(client: httpx.AsyncClient) -> None:
    name = f"item {uuid.uuid4().hex}"  # lands anywhere in the name order
    response = await client.post("/api/v1/items", json={"name": name, "price": "1.00"})
    response.raise_for_status()


async def _offset_timings(client: httpx.AsyncClient, rows: int) -> tuple[float, float]:
    """v1's offset paging: the first pages, then the deepest ones v1 allows."""
    deep = max(min(rows, 1_000_000) - PAGE, 0)
    result = []
    for offset in (0, deep):
        timings = []
        for _ in range(COMPARED_PAGES):
            started = time.perf_counter()
            response = await client.get(
                "/api/v1/items", params={"limit": PAGE, "offset": offset, "sort": "name"}
            )
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        result.append(_median(timings))
    return result[0], result[1]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
