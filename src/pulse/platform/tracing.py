"""OpenTelemetry traces that follow one piece of work, an order, across the bus.

Off unless an OTLP endpoint is configured (`PULSE_OTLP_ENDPOINT`, or the standard
`OTEL_EXPORTER_OTLP_ENDPOINT`): then every function here returns at its first test and
nothing of the SDK is even imported. On, spans go to the collector in batches over
OTLP/HTTP, from a thread of the exporter's own.

The trace context travels in each event's envelope as a W3C `traceparent` (stored in the
outbox column of that name), never in the payload. The request span is the parent of the
events the request writes; each consumer makes one span per event it handles (a child of
that event's context) and the events a handler emits for a cause carry the context of that
cause's span, so an order's request, outbox write, relay, every consumer stage and the
analytics projector are one trace. Why per event, not one batch span with links: see
docs/ARCHITECTURE.md, *Traces*.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import Token
from typing import TYPE_CHECKING, Any, Protocol

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    from pulse.platform.settings import Settings

_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None
SERVICE_NAME = "pulse-erp"
_NOTHING: AbstractContextManager[None] = nullcontext()


class Traced(Protocol):
    """Anything with an id, a type and the trace context it came with (an envelope, an
    event as the projector reads it)."""

    @property
    def type(self) -> str: ...

    @property
    def traceparent(self) -> str | None: ...


def enabled() -> bool:
    return _tracer is not None


def configure_tracing(settings: Settings) -> bool:
    """Turn tracing on when an OTLP endpoint is configured (once per process; a setting
    without one leaves it as it is). Returns whether tracing is on."""
    endpoint = settings.otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    if _provider is not None or not endpoint:
        return enabled()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Given our own setting, the URL is the collector's base, like the standard variable's.
    exporter = (
        OTLPSpanExporter(endpoint=settings.otlp_endpoint.rstrip("/") + "/v1/traces")
        if settings.otlp_endpoint
        else OTLPSpanExporter()
    )
    install(BatchSpanProcessor(exporter), sample_ratio=settings.trace_sample_ratio)
    return True


def install(processor: SpanProcessor, *, sample_ratio: float = 1.0) -> TracerProvider:
    """Record spans through `processor` (the OTLP exporter, or an in-memory one in tests).

    Sampling is decided once, where a trace starts (`sample_ratio` of the requests); every
    later step follows the flag its `traceparent` carries, in every process."""
    global _provider, _tracer
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    uninstall()
    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, name the process instead.
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": SERVICE_NAME}
    provider = TracerProvider(
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
        resource=Resource.create(attributes),
    )
    provider.add_span_processor(processor)
    _provider, _tracer = provider, provider.get_tracer("pulse")
    return provider


def uninstall() -> None:
    """Flush and stop recording (tests; a process's exit does it by itself)."""
    global _provider, _tracer
    provider, _provider, _tracer = _provider, None, None
    if provider is not None:
        provider.shutdown()


# -- the context as text -------------------------------------------------------------------
def traceparent_of(span: Span) -> str | None:
    context = span.get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def current_traceparent() -> str | None:
    """The context of the span the caller runs in (a request's), for the events it emits."""
    if _tracer is None:
        return None
    return traceparent_of(trace.get_current_span())


def trace_id(traceparent: str | None) -> str | None:
    """The trace id a `traceparent` names (for log lines)."""
    if traceparent is None or len(traceparent) < 55:
        return None
    return traceparent[3:35]


def sampled(traceparent: str) -> bool:
    """Whether the trace's flags say it is recorded (bit 0; bit 1 says its id is random)."""
    try:
        return bool(int(traceparent[-2:], 16) & 1)
    except ValueError:
        return False


def current_trace_id() -> str | None:
    if _tracer is None:
        return None
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


def _parent(traceparent: str) -> otel_context.Context:
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    return TraceContextTextMapPropagator().extract({"traceparent": traceparent})


# -- spans -----------------------------------------------------------------------------------
def start_request_span(
    method: str, traceparent: str | None
) -> tuple[Span, Token[otel_context.Context]] | None:
    """A server span for one HTTP request, made current; continues the caller's trace when
    the request brings a `traceparent`. None when tracing is off."""
    if _tracer is None:
        return None
    parent = _parent(traceparent) if traceparent else None
    span = _tracer.start_span(method, context=parent, kind=SpanKind.SERVER)
    token = otel_context.attach(trace.set_span_in_context(span))
    return span, token


def end_request_span(
    started: tuple[Span, Token[otel_context.Context]], route: str, method: str, status: int
) -> None:
    span, token = started
    otel_context.detach(token)
    span.update_name(f"{method} {route}")
    span.set_attribute("http.request.method", method)
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
    span.end()


def span(name: str, attributes: Mapping[str, Any] | None = None) -> AbstractContextManager[Any]:
    """A child of the current span, around a step of the caller's own (the outbox write);
    nothing when tracing is off or no span is current."""
    if _tracer is None or not trace.get_current_span().get_span_context().is_valid:
        return _NOTHING
    return _tracer.start_as_current_span(name, attributes=attributes)


def start_event_spans(
    name: str,
    events: Iterable[Any],
    attributes: Mapping[str, Any],
    *,
    kind: SpanKind = SpanKind.CONSUMER,
) -> dict[int, Span]:
    """One span per event whose trace is sampled, each a child of its event's context,
    named `<name> <event type>`; keyed by the event's position in `events`. Events without
    a context (written while tracing was off) get none. {} when tracing is off."""
    if _tracer is None:
        return {}
    spans: dict[int, Span] = {}
    for index, event in enumerate(events):
        parent = event.traceparent
        if parent is None or not sampled(parent):
            continue
        spans[index] = _tracer.start_span(
            f"{name} {event.type}",
            context=_parent(parent),
            kind=kind,
            attributes={
                "messaging.operation.name": name,
                "pulse.event.type": event.type,
                **attributes,
            },
        )
    return spans


def end_spans(spans: Mapping[int, Span], error: BaseException | None = None) -> None:
    for current in spans.values():
        if error is not None:
            current.record_exception(error)
            current.set_status(Status(StatusCode.ERROR, type(error).__name__))
        current.end()
