"""Tracing is off unless the standard OTEL_* variables turn it on."""

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider

from api.logs import add_trace_context
from api.tracing import drop_query_from_span, tracing_requested


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "armature"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, False),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp"}, True),
    ],
)
def test_tracing_follows_the_standard_variables(environ: dict[str, str], expected: bool) -> None:
    assert tracing_requested(environ) is expected


def test_log_lines_carry_the_active_span_and_none_without_one() -> None:
    tracer = TracerProvider().get_tracer("test")

    with tracer.start_as_current_span("request") as span:
        inside = add_trace_context(None, "info", {"event": "served"})
    outside = add_trace_context(None, "info", {"event": "idle"})

    assert inside["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert inside["span_id"] == format(span.get_span_context().span_id, "016x")
    assert "trace_id" not in outside


def test_request_spans_keep_no_query_string() -> None:
    tracer = TracerProvider().get_tracer("test")
    url = "ws://api.example.com/api/v1/ws?token=eyJhbGciOiJFUzI1NiJ9.secret"

    with tracer.start_as_current_span(
        "ws", attributes={"http.url": url, "url.full": url, "url.query": "token=eyJ"}
    ) as span:
        drop_query_from_span(span, {})
    assert isinstance(span, ReadableSpan)
    kept = dict(span.attributes or {})

    assert kept["http.url"] == "ws://api.example.com/api/v1/ws"
    assert kept["url.full"] == "ws://api.example.com/api/v1/ws"
    assert kept["url.query"] == ""
