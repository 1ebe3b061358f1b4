"""Status moves of a batch of orders (a consumer's confirm, reject and invoiced), with the
fake unit of work and orders in memory: each order moves only along the status table, in
the order given, with its history row and its event."""

from __future__ import annotations

import uuid

import pytest

from pulse.orders import OrderConfirmed, OrderRejected, OrderStatusChanged
from pulse.orders.repository import OrdersRepository
from pulse.orders.transitions import InvoicedOrder, confirm, invoices_issued, reject
from pulse.platform.errors import Conflict
from pulse.platform.events import envelope_for
from tests.fakes import FakeUnitOfWork
from tests.unit.orders.memory import InMemoryOrders


@pytest.fixture
def orders() -> InMemoryOrders:
    return InMemoryOrders()


@pytest.fixture
def uow(orders: InMemoryOrders) -> FakeUnitOfWork:
    return FakeUnitOfWork({OrdersRepository: orders}, actor="system")


async def test_only_placed_orders_are_confirmed_each_once(
    uow: FakeUnitOfWork, orders: InMemoryOrders
) -> None:
    first, second, rejected = orders.order(), orders.order(), orders.order("rejected")
    cause = envelope_for(
        OrderRejected(order_id=first, number="SO-1", reason="x"),
        actor="stock-clerk",
        correlation_id="c-1",
        causation_id=None,
    )
    moved = await confirm(
        uow, [(first, cause), (rejected, None), (uuid.uuid4(), None), (second, None), (first, None)]
    )
    assert [m.order_id if m else None for m in moved] == [first, None, None, second, None]
    assert (orders.status(first), orders.status(second), orders.status(rejected)) == (
        "confirmed",
        "confirmed",
        "rejected",
    )
    assert [
        (h["order_id"], h["from_status"], h["to_status"], h["actor"]) for h in orders.history
    ] == [
        (first, "placed", "confirmed", "stock-clerk"),
        (second, "placed", "confirmed", "system"),
    ]
    assert [e.order_id for e in uow.of_type(OrderConfirmed)] == [first, second]
    assert uow.pending_events[0].correlation_id == "c-1"


async def test_a_rejection_says_why_and_a_confirmed_order_is_not_rejected(
    uow: FakeUnitOfWork, orders: InMemoryOrders
) -> None:
    placed, confirmed = orders.order(), orders.order("confirmed")
    moved = await reject(uow, [(placed, "not enough stock (CAM)", None), (confirmed, "late", None)])
    assert [m is not None for m in moved] == [True, False]
    assert orders.status(placed) == "rejected" and orders.status(confirmed) == "confirmed"
    assert orders.orders[placed]["status_reason"] == "not enough stock (CAM)"
    (event,) = uow.events
    assert isinstance(event, OrderRejected) and event.reason == "not enough stock (CAM)"


async def test_an_invoiced_order_with_nothing_to_pay_goes_on_to_paid(
    uow: FakeUnitOfWork, orders: InMemoryOrders
) -> None:
    owing, free = orders.order("confirmed"), orders.order("confirmed", total="0.00")
    await invoices_issued(
        uow,
        [
            InvoicedOrder(owing, "SO-1", "INV-000001", settled=False),
            InvoicedOrder(free, "SO-2", "INV-000002", settled=True),
        ],
    )
    assert (orders.status(owing), orders.status(free)) == ("invoiced", "paid")
    assert [(h["order_id"], h["to_status"]) for h in orders.history] == [
        (owing, "invoiced"),
        (free, "invoiced"),
        (free, "paid"),
    ]
    assert [(e.order_id, e.to_status) for e in uow.of_type(OrderStatusChanged)] == [
        (owing, "invoiced"),
        (free, "invoiced"),
        (free, "paid"),
    ]


async def test_invoicing_an_order_no_longer_confirmed_is_refused(
    uow: FakeUnitOfWork, orders: InMemoryOrders
) -> None:
    cancelled = orders.order("cancelled")
    with pytest.raises(Conflict):
        await invoices_issued(uow, [InvoicedOrder(cancelled, "SO-1", "INV-000001", settled=False)])
    assert orders.history == [] and uow.events == []
    with pytest.raises(ValueError, match="twice"):
        await invoices_issued(
            uow,
            [
                InvoicedOrder(cancelled, "SO-1", "INV-000001", settled=False),
                InvoicedOrder(cancelled, "SO-1", "INV-000002", settled=False),
            ],
        )
