"""Reserving stock for orders: every line or none, in event order, never more than is
available; released on cancel, taken out of stock on shipping — without a database."""

from __future__ import annotations

import uuid

from pulse.inventory.events import (
    Shortage,
    StockChanged,
    StockLine,
    StockReleased,
    StockReservationFailed,
    StockReserved,
)
from pulse.inventory.reservations import Request, release, reserve, reserve_orders, ship
from pulse.platform.events import envelope_for
from tests.fakes import FakeUnitOfWork
from tests.unit.inventory.memory import InMemoryInventory

O1, O2, O3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def test_a_batch_is_served_in_event_order_and_a_later_order_takes_what_is_left(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 5)
    results = await reserve_orders(
        uow,
        [Request(O1, [("CAM", 3)]), Request(O2, [("CAM", 3)]), Request(O3, [("CAM", 2)])],
    )
    assert results == [True, False, True]
    assert [type(e) for e in uow.events] == [
        StockReserved,
        StockReservationFailed,
        StockReserved,
    ]
    reserved, failed, last = uow.events
    assert reserved == StockReserved(
        order_id=O1, lines=(StockLine(sku="CAM", qty=3, qty_on_hand=5, reserved_qty=3),)
    )
    assert isinstance(failed, StockReservationFailed)
    assert (failed.order_id, failed.shortages) == (
        O2,
        (Shortage(sku="CAM", requested=3, available=2),),
    )
    assert last == StockReserved(
        order_id=O3, lines=(StockLine(sku="CAM", qty=2, qty_on_hand=5, reserved_qty=5),)
    )
    assert stock.figures("CAM") == (5, 5)
    assert sorted((r.order_id, r.qty) for r in stock.reservations.values()) == sorted(
        [(O1, 3), (O3, 2)]
    )
    assert [(m["order_id"], m["qty"], m["reserved_after"]) for m in stock.movement_rows] == [
        (O1, 3, 3),
        (O3, 2, 5),
    ]


async def test_an_order_short_of_one_line_reserves_none_of_its_lines(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 5)
    stock.stock("LENS", 1)
    assert await reserve_orders(uow, [Request(O1, [("CAM", 2), ("LENS", 2), ("NONE", 1)])]) == [
        False
    ]
    assert stock.figures("CAM") == (5, 0)
    assert stock.figures("LENS") == (1, 0)
    assert stock.reservations == {} and stock.movement_rows == []
    (failed,) = uow.events
    assert isinstance(failed, StockReservationFailed)
    assert failed.shortages == (
        Shortage(sku="LENS", requested=2, available=1),
        Shortage(sku="NONE", requested=1, available=0),
    )
    assert "LENS: 2 wanted, 1 available" in failed.reason


async def test_lines_of_one_sku_are_added_up_before_they_are_checked(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 4)
    # 3 + 2 is more than 4 although each line alone would fit.
    assert await reserve_orders(uow, [Request(O1, [("CAM", 3), ("CAM", 2)])]) == [False]
    assert await reserve_orders(uow, [Request(O2, [("CAM", 1), ("CAM", 3)])]) == [True]
    (held,) = stock.reservations.values()
    assert (held.order_id, held.qty, held.status) == (O2, 4, "active")
    assert stock.figures("CAM") == (4, 4)


async def test_a_redelivered_order_reserves_nothing_more(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 10)
    assert await reserve_orders(uow, [Request(O1, [("CAM", 3)]), Request(O1, [("CAM", 3)])]) == [
        True,
        True,
    ]
    assert await reserve_orders(uow, [Request(O1, [("CAM", 3)])]) == [True]
    assert stock.figures("CAM") == (10, 3)
    assert len(uow.of_type(StockReserved)) == 1
    assert len(stock.movement_rows) == 1


async def test_each_reservation_is_answered_for_whoever_asked(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 10)
    cause = envelope_for(
        StockChanged(sku="X", kind="receipt", delta=1, qty_on_hand=1, reserved_qty=0),
        actor="web-shop",
        correlation_id="checkout-9",
        causation_id=None,
    )
    await reserve_orders(uow, [Request(O1, [("CAM", 1)], cause), Request(O2, [("CAM", 1)])])
    first, second = uow.pending_events
    assert (first.actor, first.correlation_id, first.causation_id) == (
        "web-shop",
        "checkout-9",
        str(cause.id),
    )
    assert second.actor == "clerk-1"
    assert [m["actor"] for m in stock.movement_rows] == ["web-shop", "clerk-1"]


async def test_a_manual_hold_short_of_a_line_gives_back_what_it_took(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("A", 5)
    stock.stock("B", 1)
    ok, shortages = await reserve(uow, O1, [("A", 2), ("B", 3)], reason="hold", source="hold")
    assert (ok, shortages) == (False, [Shortage(sku="B", requested=3, available=1)])
    assert stock.figures("A") == (5, 0) and stock.figures("B") == (1, 0)
    assert uow.events == [] and stock.reservations == {}


async def test_release_gives_the_units_back_once(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 6)
    stock.stock("LENS", 2)
    await reserve_orders(uow, [Request(O1, [("CAM", 4), ("LENS", 2)])])
    lines = await release(uow, O1, reason="order cancelled")
    assert lines == [
        StockLine(sku="CAM", qty=4, qty_on_hand=6, reserved_qty=0),
        StockLine(sku="LENS", qty=2, qty_on_hand=2, reserved_qty=0),
    ]
    assert stock.figures("CAM") == (6, 0) and stock.figures("LENS") == (2, 0)
    assert {r.status for r in stock.reservations.values()} == {"released"}
    assert [(m["kind"], m["qty"]) for m in stock.movement_rows[2:]] == [
        ("release", -4),
        ("release", -2),
    ]
    (released,) = uow.of_type(StockReleased)
    assert released.lines == tuple(lines)
    # Cancelled again (a redelivery): nothing left to release.
    assert await release(uow, O1, reason="order cancelled") == []
    assert len(uow.of_type(StockReleased)) == 1 and stock.figures("CAM") == (6, 0)


async def test_release_of_an_order_leaves_a_manual_hold_of_the_same_id_alone(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 6)
    assert await reserve(uow, O1, [("CAM", 2)], reason="hold", source="hold") == (True, [])
    assert await release(uow, O1, reason="order cancelled") == []
    assert stock.figures("CAM") == (6, 2)
    assert len(await release(uow, O1, reason="manual release", source="hold")) == 1
    assert stock.figures("CAM") == (6, 0)


async def test_shipping_takes_the_reserved_units_out_of_stock(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 6)
    await reserve_orders(uow, [Request(O1, [("CAM", 4)])])
    (line,) = await ship(uow, O1)
    assert line == StockLine(sku="CAM", qty=4, qty_on_hand=2, reserved_qty=0)
    assert stock.figures("CAM") == (2, 0)
    (changed,) = uow.of_type(StockChanged)
    assert (changed.kind, changed.delta, changed.order_id) == ("shipment", -4, O1)
    assert await ship(uow, O1) == []  # shipped once
    assert await release(uow, O1, reason="order cancelled") == []  # nothing left to release
    assert stock.figures("CAM") == (2, 0)
