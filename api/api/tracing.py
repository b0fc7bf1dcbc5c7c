"""OpenTelemetry traces: off unless the standard `OTEL_*` variables ask for them.

A process that serves or works calls `start_tracing()` once, after gunicorn has forked it
(the app factory runs in each worker), so no exporter thread is shared across a fork. The
SDK reads the rest of the standard variables itself: `OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_*`...
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span

from api.bootstrap import ApplicationContainer

logger = logging.getLogger(__name__)

# Probes and scrapes would drown the requests worth reading.
UNTRACED_URLS = "/health,/ready,/metrics"
_URL_ATTRIBUTES = ("http.url", "url.full", "http.target")
_OTLP_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def tracing_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment turns tracing on: an OTLP endpoint or an explicit exporter."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return any(environ.get(name) for name in _OTLP_ENDPOINTS)


@dataclass(frozen=True)
class Tracing:
    """The provider this process traces with, and whether this process installed it."""

    provider: TracerProvider
    owned: bool

    def stop(self) -> None:
        """Send the spans still buffered and release the engine's hooks.

        A provider installed by whoever embeds the app (a test, `opentelemetry-instrument`)
        is only flushed: shutting it down is its owner's call.
        """
        instrumentor = SQLAlchemyInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
        if self.owned:
            self.provider.shutdown()
        else:
            self.provider.force_flush()


def start_tracing(environ: Mapping[str, str] = os.environ) -> Tracing | None:
    """This process's tracing, exporting over OTLP/HTTP; None while it is off."""
    if not tracing_requested(environ):
        return None
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return Tracing(current, owned=False)
    # Only here: the exporter brings protobuf, which a process without tracing never needs.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
        OTLPSpanExporter,
    )

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    logger.info("tracing on: spans export over OTLP")
    return Tracing(provider, owned=True)


def instrument_app(app: FastAPI, tracing: Tracing) -> None:
    """Server spans for every request, named by route template, with URLs cut at the query."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracing.provider,
        excluded_urls=UNTRACED_URLS,
        server_request_hook=drop_query_from_span,
    )


def drop_query_from_span(span: Span, _scope: dict[str, Any]) -> None:
    """A query may carry a credential (the WebSocket's `?token=`): spans never keep one."""
    if not span.is_recording() or not isinstance(span, ReadableSpan):
        return
    for key in _URL_ATTRIBUTES:
        value = (span.attributes or {}).get(key)
        if isinstance(value, str) and "?" in value:
            span.set_attribute(key, value.split("?", 1)[0])
    if (span.attributes or {}).get("url.query"):
        span.set_attribute("url.query", "")


def instrument_resources(container: ApplicationContainer, tracing: Tracing) -> None:
    """Client spans for the process's SQL and outbound HTTP."""
    # The instrumentation declares SQLAlchemy < 2.1; its engine events work on 2.1 too.
    SQLAlchemyInstrumentor().instrument(
        engine=container.engine().sync_engine,
        tracer_provider=tracing.provider,
        skip_dep_check=True,
        enable_commenter=False,
    )
    HTTPXClientInstrumentor.instrument_client(
        container.http_client(), tracer_provider=tracing.provider
    )
