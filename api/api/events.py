"""The event machinery of one process: the outbox relay, its pruning, the components' consumers.

The worker runs it (`armature worker`); in the embedded default the API process runs it
too, so `make run` works with no service at all. Every server process runs exactly one, so
it is also where a process that runs alone serves its metrics on METRICS_PORT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from api.bootstrap import ApplicationContainer
from api.metrics import (
    AUTOMATION_RUN_FINISHED,
    MESSAGES_CONSUMED,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PENDING,
    MetricsServer,
    observe_automation_run,
    serve_own_metrics,
)
from core.adapters.sqlalchemy.relay import OutboxRelay
from core.clock import Clock, utc_now
from core.components import Component, Consumer
from core.errors import ServiceUnavailable
from core.interfaces import Handler, Message, MessageQueue
from core.tracing import consuming

logger = logging.getLogger(__name__)

OUTBOX_SAMPLE_SECONDS = 5.0
QUEUE_RETRY_MAX_SECONDS = 30.0
# A named consumer, not a broadcast: each run is counted once however many processes consume.
METRICS_CONSUMER = "metrics.automation_runs"


class EventRuntime:
    """Starts the queue, and with `consume` the relay and every enabled consumer."""

    def __init__(self, container: ApplicationContainer, *, consume: bool) -> None:
        self._container = container
        self._consume = consume
        self._tasks: list[asyncio.Task[None]] = []
        self._metrics: MetricsServer | None = None

    async def start(self) -> None:
        """Subscribe the consumers, connect, then start relaying."""
        queue = self._container.queue()
        if self._consume:
            for component in self._container.components():
                await self._subscribe(component)
            await queue.subscribe(AUTOMATION_RUN_FINISHED, METRICS_CONSUMER, observe_automation_run)
        try:
            await queue.start()
        except ServiceUnavailable as exc:
            # A broker outage must not keep a server from booting (gunicorn gives up on a
            # worker that fails to boot): requests still work, events wait in the outbox.
            logger.warning("message queue unavailable at start (%s); retrying meanwhile", exc)
            self._tasks.append(asyncio.create_task(_keep_starting(queue), name="queue-start"))
        if self._consume:
            relay = self._container.outbox_relay()
            self._tasks += [
                asyncio.create_task(relay.run(), name="relay"),
                asyncio.create_task(_sample_outbox(relay), name="outbox-metrics"),
                asyncio.create_task(self._container.pruner().run(), name="outbox-pruning"),
            ]
        settings = self._container.settings()
        port = settings.metrics_port if settings.metrics_enabled else None
        self._metrics = serve_own_metrics(port, settings.metrics_host)

    async def stop(self) -> None:
        """Stop relaying, let running handlers finish, disconnect."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._container.queue().close()
        if self._metrics is not None:
            self._metrics.close()

    async def _subscribe(self, component: Component) -> None:
        if not component.consumers:
            return
        deps = getattr(self._container, component.name).deps()
        if component.prepare_worker is not None:
            component.prepare_worker(deps)
        for consumer in component.consumers:
            await self._container.queue().subscribe(
                consumer.pattern, consumer.name, _bound(consumer, deps)
            )
        logger.info(
            "%s consumes %s", component.name, ", ".join(c.name for c in component.consumers)
        )


def _bound(consumer: Consumer, deps: Any) -> Handler:
    async def handle(message: Message) -> None:
        try:
            with consuming(consumer.name, message):
                await consumer.handle(deps, message)
        except Exception:
            MESSAGES_CONSUMED.labels(consumer.name, message.type, "failed").inc()
            raise
        MESSAGES_CONSUMED.labels(consumer.name, message.type, "ok").inc()

    return handle


async def _keep_starting(queue: MessageQueue) -> None:
    """Start the queue once the broker answers, backing off up to half a minute."""
    delay = 1.0
    while True:
        await asyncio.sleep(delay)
        try:
            await queue.start()
        except ServiceUnavailable as exc:
            logger.warning("message queue still unavailable (%s)", exc)
            delay = min(delay * 2, QUEUE_RETRY_MAX_SECONDS)
            continue
        logger.info("message queue started")
        return


async def _sample_outbox(relay: OutboxRelay, clock: Clock = utc_now) -> None:
    """Keep the outbox gauges current: a backlog that grows means the broker is away."""
    while True:
        with contextlib.suppress(Exception):  # a database outage must not end the sampling
            status = await relay.status()
            OUTBOX_PENDING.set(status.pending)
            oldest = status.oldest_pending_at
            OUTBOX_OLDEST_AGE.set((clock() - oldest).total_seconds() if oldest else 0)
        await asyncio.sleep(OUTBOX_SAMPLE_SECONDS)
