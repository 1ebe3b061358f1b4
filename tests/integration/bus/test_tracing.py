"""One order's whole journey is one trace: the request, the outbox write, (on NATS) the
relay's publishing, every consumer stage and the analytics projector, each step a child of
the step that caused it. On each bus backend, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import func, select

from pulse.bootstrap import Container
from pulse.platform import tracing
from pulse.platform.outbox import OutboxRecord
from tests.conftest import ClientFor
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, order_of, place_order

# Each stage of an order, as the span that records it, and the stage that caused it.
STAGES = {
    "outbox write": "POST /orders",
    "inventory order.created": "POST /orders",
    "orders stock.reserved": "inventory order.created",
    "billing order.confirmed": "orders stock.reserved",
    "orders invoice.issued": "billing order.confirmed",
    "documents invoice.issued": "billing order.confirmed",
    "analytics order.created": "POST /orders",
    "analytics stock.reserved": "inventory order.created",
    "analytics order.confirmed": "orders stock.reserved",
    "analytics invoice.issued": "billing order.confirmed",
}


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.install(SimpleSpanProcessor(exporter))
    yield exporter
    tracing.uninstall()


def _hex(span: ReadableSpan) -> str:
    assert span.context is not None
    return f"{span.context.trace_id:032x}"


async def test_one_order_is_one_trace(
    spans: InMemorySpanExporter, container: Container, client_for: ClientFor, bus_kind: str
) -> None:
    assert container.analytics is not None
    client = client_for("admin")
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    assert await container.bus.drain(timeout=20)
    spans.clear()

    response = await place_order(client, customer["id"], [{"sku": product["sku"], "qty": 2}])
    assert response.status_code == 201, response.text
    assert await container.bus.drain(timeout=20)
    assert await container.analytics.projector.catch_up(timeout=20)
    assert (await order_of(client, response.json()["id"]))["status"] == "invoiced"

    finished = spans.get_finished_spans()
    (request,) = [s for s in finished if s.name == "POST /orders"]
    assert request.kind is SpanKind.SERVER and request.parent is None
    assert request.attributes is not None
    assert request.attributes["http.response.status_code"] == 201
    trace = [s for s in finished if _hex(s) == _hex(request)]
    by_name: dict[str, list[ReadableSpan]] = {}
    for span in trace:
        by_name.setdefault(span.name, []).append(span)
    stages = dict(STAGES)
    if bus_kind == "nats":
        # The relay publishes each event of the order within its trace.
        stages |= {
            "publish order.created": "POST /orders",
            "publish stock.reserved": "inventory order.created",
            "publish order.confirmed": "orders stock.reserved",
            "publish invoice.issued": "billing order.confirmed",
        }
    missing = set(stages) - set(by_name)
    assert not missing, f"steps missing from the trace: {missing}; it has {sorted(by_name)}"
    for name, cause in stages.items():
        (step,) = by_name[name]
        (parent,) = by_name[cause]
        assert step.parent is not None and parent.context is not None
        assert step.parent.span_id == parent.context.span_id, f"{name} is not a child of {cause}"
        assert step.status.is_ok, name

    # One trace: every span in it descends from the request.
    ids = {s.context.span_id for s in trace if s.context is not None}
    roots = [s for s in trace if s.parent is None or s.parent.span_id not in ids]
    assert roots == [request]
    # And the order's steps are in no other trace.
    elsewhere = {s.name for s in finished if _hex(s) != _hex(request)}
    assert not elsewhere & set(stages), elsewhere


async def test_without_tracing_no_event_carries_a_context(
    container: Container, client_for: ClientFor
) -> None:
    assert not tracing.enabled()
    client = client_for("admin")
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    response = await place_order(client, customer["id"], [{"sku": product["sku"], "qty": 1}])
    assert response.status_code == 201, response.text
    assert await container.bus.drain(timeout=20)
    async with container.uow(readonly=True) as uow:
        count, traced = (
            await uow.session.execute(
                select(func.count(), func.count(OutboxRecord.traceparent)).select_from(OutboxRecord)
            )
        ).one()
    assert count >= 4 and traced == 0
