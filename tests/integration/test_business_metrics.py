"""The business metrics follow what was committed: an order placed counts once (a replayed
request does not count again), its invoice's total is revenue in the company's currency,
its confirmation and its arrival on the dashboard are timed, a refused payment is counted
by its reason; and /metrics shows them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, place_order

SERIES = {
    "placed": ("pulse_orders_placed_total", {"currency": "EUR"}),
    "placed_value": ("pulse_orders_placed_value_total", {"currency": "EUR"}),
    "revenue": ("pulse_revenue_total", {"currency": "EUR"}),
    "confirmed": ("pulse_order_confirmation_seconds_count", {}),
    "dashboard": ("pulse_order_dashboard_seconds_count", {}),
    "overpaid": ("pulse_payments_failed_total", {"reason": "overpayment"}),
}


def sample() -> dict[str, float]:
    return {
        key: REGISTRY.get_sample_value(name, labels) or 0.0
        for key, (name, labels) in SERIES.items()
    }


async def test_an_order_moves_the_business_metrics(
    container: Container, client_for: ClientFor
) -> None:
    assert container.analytics is not None
    client = client_for("admin")
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    before = sample()

    items = [{"sku": product["sku"], "qty": 3}]
    first = await place_order(client, customer["id"], items, **{"Idempotency-Key": "metrics-1"})
    again = await place_order(client, customer["id"], items, **{"Idempotency-Key": "metrics-1"})
    assert first.status_code == 201, first.text
    assert again.json()["id"] == first.json()["id"]
    total = Decimal(first.json()["total"])
    assert await container.bus.drain(timeout=20)
    assert await container.analytics.projector.catch_up(timeout=20)

    invoices = await client.get("/billing/invoices", params={"customer_id": customer["id"]})
    (invoice,) = invoices.json()["items"]
    overpaid = await client.post(
        f"/billing/invoices/{invoice['id']}/pay",
        json={"amount": str(Decimal(invoice["balance"]) + 1), "method": "cash"},
    )
    assert overpaid.status_code == 422, overpaid.text

    after = sample()
    moved = {key: after[key] - before[key] for key in SERIES}
    assert moved["placed"] == 1
    assert moved["placed_value"] == pytest.approx(float(total))
    assert moved["revenue"] == pytest.approx(float(Decimal(invoice["total"])))
    assert moved["confirmed"] == 1
    assert moved["dashboard"] == 1
    assert moved["overpaid"] == 1

    exposed = (await client.get("/metrics")).text
    for name in (
        "pulse_orders_placed_total",
        "pulse_revenue_total",
        "pulse_order_confirmation_seconds_bucket",
        "pulse_order_dashboard_seconds_bucket",
        "pulse_payments_failed_total",
        "pulse_events_dead_lettered_total",
    ):
        assert name in exposed, name
    # Read from the table on each scrape: none here.
    assert REGISTRY.get_sample_value("pulse_dead_letters") == 0
