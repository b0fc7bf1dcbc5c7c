"""The app factory. Nothing runs at import: `create_app()` builds everything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pkgutil import resolve_name

from fastapi import APIRouter, Depends, FastAPI

from api import bootstrap, security
from api.bootstrap import ApplicationContainer
from api.client_ip import install_client_ip
from api.errors import install_error_handlers
from api.events import EventRuntime
from api.hardening import install_hardening
from api.idempotency import install_idempotency
from api.live import LiveHub
from api.logs import configure_logging
from api.metrics import install_metrics_endpoint
from api.rate_limits import check_route_limits, install_rate_limits, rate_limit
from api.request_id import RequestContext
from api.routers import docs, health, live
from api.settings import Settings
from api.tracing import (
    Tracing,
    instrument_app,
    instrument_resources,
    start_tracing,
)
from core.components import versioned

OPENAPI_URL = "/openapi.json"


def create_app(container: ApplicationContainer | None = None) -> FastAPI:
    """The Armature API over `container`, or over one built from the environment."""
    if container is None:
        # A server building its own app: configure its logs before anything logs.
        loaded = Settings.load()
        configure_logging(loaded.effective_log_format, loaded.log_level)
        container = bootstrap.build_container(loaded)
    settings: Settings = container.settings()
    tracing = start_tracing()
    app = FastAPI(
        title="Armature",
        version="0.1.0",
        lifespan=_lifespan(container, tracing),
        openapi_url=OPENAPI_URL if settings.docs_enabled else None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    install_rate_limits(app, container.rate_limiter())
    app.include_router(health.router)
    app.include_router(live.router)
    # With METRICS_PORT the scrape is served on that port only (see api.metrics.exposition).
    if settings.metrics_enabled and settings.metrics_port is None:
        install_metrics_endpoint(app)
    app.state.live_hub = LiveHub(queue=container.queue)
    if settings.docs_enabled:
        docs.install_docs(app, OPENAPI_URL)
    _include_component_routers(app, container)
    check_route_limits(app, container.rate_limiter())
    install_idempotency(app, container.cache(), ttl_seconds=settings.idempotency_ttl_seconds)
    install_client_ip(app, settings.trusted_proxies)
    install_hardening(app, settings.hardening())
    # Outermost: even a request refused by the guards gets an id and an access line.
    app.add_middleware(RequestContext)
    if tracing is not None:
        instrument_resources(container, tracing)
        instrument_app(app, tracing)
    return app


def _include_component_routers(app: FastAPI, container: ApplicationContainer) -> None:
    modules = [health.__name__, security.__name__]
    scopes: dict[str, str] = {}
    limited = [Depends(rate_limit(security.optional_principal))]
    for component in container.components():
        scopes.update(component.scopes)
        versions = [versioned(reference) for reference in component.routers]
        mounted = [(router.prefix, router.reference) for router in versions]
        for prefix, reference in [*mounted, *(("", ref) for ref in component.root_routers)]:
            app.include_router(_router(reference), prefix=prefix, dependencies=limited)
            modules.append(reference.partition(":")[0])
    app.state.scopes = scopes
    security.document_scopes(scopes)
    container.wire(modules=modules)


def _router(reference: str) -> APIRouter:
    router = resolve_name(reference)
    if not isinstance(router, APIRouter):
        raise TypeError(f"{reference} is not an APIRouter")
    return router


def _lifespan(
    container: ApplicationContainer, tracing: Tracing | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: Settings = container.settings()
        events = EventRuntime(container, consume=settings.runs_events_in_process)
        await events.start()
        try:
            yield
        finally:
            await events.stop()
            await bootstrap.close(container)
            if tracing is not None:
                tracing.stop()

    return lifespan
