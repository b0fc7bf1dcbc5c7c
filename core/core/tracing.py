"""Trace context that travels with events: through the outbox, the broker and the consumers.

Only the OpenTelemetry API is used here. Until a process installs an SDK provider every
call is a no-op, so the library costs next to nothing when tracing is off.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

from core.interfaces.message_queue import Message

tracer = trace.get_tracer("armature")


def with_trace_context(headers: Mapping[str, str]) -> dict[str, str]:
    """`headers` plus the active span's context (W3C `traceparent`), when there is one."""
    carrier = dict(headers)
    propagate.inject(carrier)
    return carrier


@contextmanager
def publishing(message: Message) -> Iterator[Message]:
    """A producer span, child of the span that recorded `message`; yields what to publish.

    The yielded copy carries the producer span's context, so a consumer's span is its child.
    """
    with _message_span(f"{message.type} publish", message, SpanKind.PRODUCER):
        yield replace(message, headers=with_trace_context(message.headers))


@contextmanager
def consuming(consumer: str, message: Message) -> Iterator[Span]:
    """A consumer span for `consumer` handling `message`, joined to the trace that sent it."""
    with _message_span(f"{consumer} process", message, SpanKind.CONSUMER) as span:
        span.set_attribute("messaging.consumer.group.name", consumer)
        yield span


@contextmanager
def _message_span(name: str, message: Message, kind: SpanKind) -> Iterator[Span]:
    attributes = {
        "messaging.destination.name": message.type,
        "messaging.message.id": str(message.id),
    }
    parent = propagate.extract(message.headers)
    with tracer.start_as_current_span(
        name, context=parent, kind=kind, attributes=attributes
    ) as span:
        yield span
