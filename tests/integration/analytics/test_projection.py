"""The analytics store follows the business database: same orders, revenue, receivables and
stock after a mixed workload, batch by batch."""

from __future__ import annotations

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.analytics.totals import aggregate_cross_checks, olap_totals, oltp_totals
from tests.integration.billing.factories import invoice_of_order, pay
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order


async def settle(container: Container) -> None:
    assert await container.bus.drain()
    assert container.analytics is not None
    assert await container.analytics.projector.catch_up()


async def test_orders_payments_and_cancellations_agree(
    container: Container, client_for: ClientFor
) -> None:
    client = client_for("admin")
    widget = await make_product(client, price="12.50", qty_on_hand=20, reorder_point=5)
    gadget = await make_product(client, price="99.99", tax_rate="0.0500", qty_on_hand=3)
    customer = await make_customer(client, payment_terms_days=14)
    first = await make_order(client, customer["id"], [{"sku": widget["sku"], "qty": 4}])
    second = await make_order(
        client, customer["id"], [{"sku": widget["sku"], "qty": 2}, {"sku": gadget["sku"], "qty": 1}]
    )
    # Not enough stock: rejected, never a sale.
    await make_order(client, customer["id"], [{"sku": gadget["sku"], "qty": 9}])
    await settle(container)
    invoice = await invoice_of_order(client, first["id"], customer["id"])
    assert (await pay(client, invoice["id"], "20.00")).status_code == 201
    response = await client.post(f"/orders/{second['id']}/cancel", json={"reason": "changed mind"})
    assert response.status_code == 200, response.text
    await settle(container)

    expected = await oltp_totals(container)
    assert expected["orders"] == 1 and expected["all_orders"] == 3
    store = container.analytics.store
    actual = await store.read(olap_totals)
    assert actual == expected
    await store.read(aggregate_cross_checks)
