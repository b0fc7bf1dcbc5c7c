"""What moves the metrics: requests, the connection pool, dead letters, finished runs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, QueuePool

from api.metrics.definitions import (
    AUTOMATION_DURATION,
    AUTOMATION_RUNS,
    DB_CHECKED_OUT,
    DB_OVERFLOW,
    HTTP_DURATION,
    HTTP_REQUESTS,
    MESSAGES_DEAD_LETTERED,
)
from core.interfaces import Message

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
# The automations component's event; named, not imported: the api names no component.
AUTOMATION_RUN_FINISHED = "automation.run.finished"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request; the scrape itself is not counted."""
    if route == METRICS_PATH:
        return
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)


def count_dead_letter(consumer: str, _message: Message | None) -> None:
    """A queue adapter's dead-letter hook: one more message `consumer` gave up on."""
    MESSAGES_DEAD_LETTERED.labels(consumer).inc()


async def observe_automation_run(message: Message) -> None:
    """Count a finished run from its `automation.run.finished` event (`{"run": {...}}`)."""
    run: Any = message.data.get("run")
    status, duration_ms = (
        (run.get("status"), run.get("duration_ms")) if isinstance(run, Mapping) else (None, None)
    )
    if not isinstance(status, str) or not isinstance(duration_ms, int | float):
        # Retrying would not make it readable; a metric is not worth a dead letter.
        logger.warning("%s %s carries no status and duration", message.type, message.id)
        return
    AUTOMATION_RUNS.labels(status).inc()
    AUTOMATION_DURATION.observe(duration_ms / 1000)


def watch_pool(engine: AsyncEngine) -> AsyncEngine:
    """Keep the pool gauges current from the pool's own checkout and checkin events."""
    pool = engine.sync_engine.pool
    watch = _PoolWatch(pool)
    event.listen(pool, "checkout", watch.on_checkout)
    event.listen(pool, "checkin", watch.on_checkin)
    return engine


class _PoolWatch:
    """One pool's share of the gauges, added as differences so that several pools sum up.

    The values are read from the pool rather than counted, so a checkin without a
    checkout (a failed pre-ping) cannot make them drift.
    """

    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._checked_out = 0
        self._overflow = 0

    def on_checkout(self, *_: object) -> None:
        self._publish(returning=0)

    def on_checkin(self, *_: object) -> None:
        # The event fires before the pool takes the connection back: count it as back.
        self._publish(returning=1)

    def _publish(self, returning: int) -> None:
        pool = self._pool
        if not isinstance(pool, QueuePool):
            return
        checked_out = pool.checkedout() - returning
        # A connection returned to a full pool is closed, and that ends one overflow.
        closing = returning if pool.checkedin() >= pool.size() else 0
        overflow = max(pool.overflow() - closing, 0)
        # Each write is a locked write to a shared file under gunicorn: only real changes.
        if checked_out != self._checked_out:
            DB_CHECKED_OUT.inc(checked_out - self._checked_out)
        if overflow != self._overflow:
            DB_OVERFLOW.inc(overflow - self._overflow)
        self._checked_out, self._overflow = checked_out, overflow
