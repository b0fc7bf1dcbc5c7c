"""Where a scrape is answered: `/metrics` on the app, or a port of its own (METRICS_PORT).

Without `METRICS_PORT` the app serves `GET /metrics` (kept out of OpenAPI; the public proxy
must refuse it). With it the app does not, and the port is served by whoever sees every
process: the process itself when it runs alone, the gunicorn master (`when_ready` in
`_DOCKER/gunicorn.conf.py`) when `PROMETHEUS_MULTIPROC_DIR` makes several workers one
server. Workers cannot share a port, and a worker recycled after `max_requests` would take
the port down with it; the master outlives them all.
"""

from __future__ import annotations

import os
from wsgiref.simple_server import WSGIServer

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)

from api.metrics.definitions import MULTIPROC_DIR_VARIABLE
from api.metrics.observers import METRICS_PATH
from core.settings import ConfigurationError

METRICS_HOST = "127.0.0.1"


def is_multiprocess() -> bool:
    """Whether this process is one of several writing their samples to a shared directory."""
    return MULTIPROC_DIR_VARIABLE in os.environ


def scrape_registry() -> CollectorRegistry:
    """What a scrape reads: every worker's files in multiprocess mode, else this process."""
    if not is_multiprocess():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def install_metrics_endpoint(app: FastAPI) -> None:
    """Serve `GET /metrics`; the registry is built once and read at each scrape."""
    registry = scrape_registry()
    router = APIRouter()

    @router.get(METRICS_PATH, include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)


class MetricsServer:
    """Prometheus text on `host`:`port`, answered from a daemon thread."""

    def __init__(self, port: int, registry: CollectorRegistry, host: str = METRICS_HOST) -> None:
        try:
            self._server: WSGIServer = start_http_server(port, host, registry)[0]
        except OSError as exc:
            raise ConfigurationError(
                f"METRICS_PORT {port} cannot be served on {host} ({exc.strerror}); "
                "several workers need PROMETHEUS_MULTIPROC_DIR and _DOCKER/gunicorn.conf.py, "
                "whose master serves the port for all of them"
            ) from exc
        self.port = port

    def close(self) -> None:
        """Stop answering and free the port."""
        self._server.shutdown()
        self._server.server_close()


def serve_own_metrics(port: int | None, host: str = METRICS_HOST) -> MetricsServer | None:
    """This process's metrics on `port`, unless unset or the process is one of several."""
    if port is None or is_multiprocess():
        return None
    return MetricsServer(port, REGISTRY, host)


def serve_workers_metrics(port: int | None, host: str = METRICS_HOST) -> MetricsServer | None:
    """In a gunicorn master: every worker's sum on `port`, when it is set."""
    if port is None:
        return None
    return MetricsServer(port, scrape_registry(), host)


def mark_worker_dead(pid: int) -> None:
    """Drop a dead worker's live gauges (gunicorn's `child_exit`); its counters still count."""
    if is_multiprocess():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
