"""The trace context an event carries: none while tracing is off, the current span's for a
request, the span handling its cause for a consumer, and the cause's own where this process
records nothing; the request span continues an incoming `traceparent`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pulse.orders import OrderCancelled
from pulse.platform import tracing
from pulse.platform.events import Envelope
from pulse.platform.observability import RequestContextMiddleware
from pulse.platform.uow import UnitOfWork

INCOMING = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
NOT_SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.install(SimpleSpanProcessor(exporter))
    yield exporter
    tracing.uninstall()


def cancelled() -> OrderCancelled:
    return OrderCancelled(order_id=uuid.uuid4(), number="SO-1", previous_status="placed")


def unit_of_work() -> UnitOfWork:
    return UnitOfWork(None, actor="clerk")  # type: ignore[arg-type] # emit needs no database


def test_off_no_context_and_no_spans() -> None:
    assert not tracing.enabled()
    assert unit_of_work().emit(cancelled()).traceparent is None
    assert tracing.current_traceparent() is None
    assert tracing.start_event_spans("inventory", [unit_of_work().emit(cancelled())], {}) == {}


def test_off_a_cause_context_goes_on_through() -> None:
    uow = unit_of_work()
    cause = uow.emit(cancelled()).model_copy(update={"traceparent": INCOMING})
    assert uow.emit(cancelled(), cause=cause).traceparent == INCOMING


def test_request_events_carry_the_current_span(spans: InMemorySpanExporter) -> None:
    assert tracing._tracer is not None
    with tracing._tracer.start_as_current_span("POST /orders") as span:
        envelope = unit_of_work().emit(cancelled())
    assert envelope.traceparent == tracing.traceparent_of(span)
    assert tracing.trace_id(envelope.traceparent) == f"{span.get_span_context().trace_id:032x}"
    # It survives the wire.
    assert Envelope.from_json(envelope.to_json()).traceparent == envelope.traceparent


def test_consumer_spans_are_children_of_their_events(spans: InMemorySpanExporter) -> None:
    uow = unit_of_work()
    sampled = uow.emit(cancelled()).model_copy(update={"traceparent": INCOMING})
    unsampled = uow.emit(cancelled()).model_copy(update={"traceparent": NOT_SAMPLED})
    untraced = uow.emit(cancelled())
    started = tracing.start_event_spans("billing", [unsampled, sampled, untraced], {})
    assert list(started) == [1]
    # An event emitted for the sampled cause carries the context of the span handling it.
    uow.cause_traces = {sampled.id: tracing.traceparent_of(started[1])}
    child = uow.emit(cancelled(), cause=sampled)
    assert child.traceparent == tracing.traceparent_of(started[1])
    assert uow.emit(cancelled(), cause=unsampled).traceparent == NOT_SAMPLED
    tracing.end_spans(started, ValueError("boom"))
    (span,) = spans.get_finished_spans()
    assert span.name == "billing order.cancelled" and span.kind is SpanKind.CONSUMER
    assert span.parent is not None and f"{span.parent.span_id:016x}" == INCOMING[36:52]
    assert f"{span.context.trace_id:032x}" == INCOMING[3:35]
    assert not span.status.is_ok


def test_sampled_reads_the_first_flag_bit() -> None:
    assert tracing.sampled(INCOMING)
    assert tracing.sampled(INCOMING[:-2] + "03")  # sampled, random trace id
    assert not tracing.sampled(NOT_SAMPLED)
    assert not tracing.sampled(INCOMING[:-2] + "zz")


async def test_the_request_span_continues_an_incoming_trace(spans: InMemorySpanExporter) -> None:
    seen: list[str | None] = []

    async def endpoint(request: Request) -> PlainTextResponse:
        seen.append(tracing.current_traceparent())
        return PlainTextResponse("ok", status_code=202)

    app = Starlette(routes=[Route("/things/{id}", endpoint, methods=["POST"])])
    app.add_middleware(RequestContextMiddleware)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        answer = await client.post("/things/7", headers={"traceparent": INCOMING})
        untraced = await client.post("/things/8")
    assert answer.status_code == untraced.status_code == 202
    first, second = spans.get_finished_spans()
    assert first.name == "POST /things/{id}" and first.kind is SpanKind.SERVER
    assert first.attributes is not None and first.attributes["http.response.status_code"] == 202
    assert f"{first.context.trace_id:032x}" == INCOMING[3:35]
    assert first.parent is not None and f"{first.parent.span_id:016x}" == INCOMING[36:52]
    assert seen[0] == tracing.traceparent_of(first)  # type: ignore[arg-type]
    # Without one, a trace of its own.
    assert second.parent is None and second.context.trace_id != first.context.trace_id
