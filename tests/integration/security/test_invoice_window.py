"""No window between an invoice and its order: billing moves the order to `invoiced` in the
transaction that issues the invoice, under the order's row lock, and never invoices an order
that is no longer confirmed. So a clerk (no `billing:write`) can cancel a confirmed order
before it is invoiced, and never one whose invoice exists. On SQLite and PostgreSQL.

The billing consumer is not run here: the test plays its part, at the moment it chooses.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from pulse.billing import invoices
from pulse.billing.models import Invoice
from pulse.bootstrap import Container
from pulse.orders import service as order_service
from pulse.orders import transitions
from pulse.platform.settings import Settings
from tests.conftest import ClientFor
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import assert_problem, make_customer, make_order, order_of


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Stock is reserved by the bus; confirming and invoicing are done by the test.
    return settings.model_copy(update={"consumers": "inventory"})


async def confirmed_order(client_for: ClientFor, container: Container) -> dict[str, Any]:
    admin = client_for("admin")
    product = await make_product(admin, price="10.00", qty_on_hand=5)
    customer = await make_customer(admin)
    order = await make_order(admin, customer["id"], [{"sku": product["sku"], "qty": 1}])
    assert await container.bus.drain()
    async with container.uow(actor="orders") as uow:
        assert (await transitions.confirm(uow, [(uuid.UUID(order["id"]), None)]))[0] is not None
        await uow.commit()
    assert (await order_of(admin, order["id"]))["status"] == "confirmed"
    return order


async def invoices_of(container: Container, order_id: str) -> int:
    async with container.uow(readonly=True) as uow:
        query = select(func.count()).where(Invoice.order_id == uuid.UUID(order_id))
        return int((await uow.session.execute(query)).scalar_one())


async def test_the_order_is_invoiced_with_its_invoice(
    client_for: ClientFor, container: Container
) -> None:
    order = await confirmed_order(client_for, container)
    async with container.uow(actor="billing") as uow:
        assert await invoices.issue_for_order(uow, uuid.UUID(order["id"])) is not None
        await uow.commit()
    # No consumer has run: the move came with the invoice.
    invoiced = await order_of(client_for("admin"), order["id"])
    assert [h["to_status"] for h in invoiced["history"]] == ["placed", "confirmed", "invoiced"]
    body = assert_problem(await client_for("clerk").post(f"/orders/{order['id']}/cancel"), 403)
    assert "billing:write" in body["detail"]
    assert (await order_of(client_for("admin"), order["id"]))["status"] == "invoiced"
    response = await client_for("accountant").post(f"/orders/{order['id']}/cancel")
    assert response.status_code == 200, response.text


async def test_a_clerk_cancels_a_confirmed_order_before_it_is_invoiced(
    client_for: ClientFor, container: Container
) -> None:
    order = await confirmed_order(client_for, container)
    response = await client_for("clerk").post(f"/orders/{order['id']}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    # order.confirmed reaches billing late: the cancelled order is not invoiced.
    async with container.uow(actor="billing") as uow:
        assert await invoices.issue_for_order(uow, uuid.UUID(order["id"])) is None
        await uow.commit()
    assert await invoices_of(container, order["id"]) == 0


async def test_a_cancel_waits_for_the_invoice_being_issued(
    client_for: ClientFor, container: Container
) -> None:
    order = await confirmed_order(client_for, container)
    clerk = client_for("clerk")
    async with container.uow(actor="billing") as uow:
        assert await invoices.issue_for_order(uow, uuid.UUID(order["id"])) is not None
        cancel = asyncio.create_task(clerk.post(f"/orders/{order['id']}/cancel"))
        await asyncio.sleep(0.3)
        assert not cancel.done(), "the cancel went ahead while the invoice was being issued"
        await uow.commit()
    assert_problem(await cancel, 403)
    assert (await order_of(client_for("admin"), order["id"]))["status"] == "invoiced"


async def test_an_invoice_waits_for_the_cancel_under_way(
    client_for: ClientFor, container: Container
) -> None:
    order = await confirmed_order(client_for, container)

    async def issue() -> uuid.UUID | None:
        async with container.uow(actor="billing") as uow:
            issued = await invoices.issue_for_order(uow, uuid.UUID(order["id"]))
            await uow.commit()
            return issued

    async with container.uow(actor="test-clerk") as uow:
        await order_service.cancel_order(
            uow, uuid.UUID(order["id"]), reason="changed mind", can_settle_invoice=False
        )
        billing = asyncio.create_task(issue())
        await asyncio.sleep(0.3)
        assert not billing.done(), "billing invoiced the order while it was being cancelled"
        await uow.commit()
    assert await billing is None
    assert await invoices_of(container, order["id"]) == 0
    assert (await order_of(client_for("admin"), order["id"]))["status"] == "cancelled"
