"""Reserving stock for a whole batch of orders at once (the inventory consumer's work), on
SQLite, PostgreSQL and MariaDB: each order all-or-nothing, in the order given, and never more
than there is, even with batches and stock changes racing."""

from __future__ import annotations

import asyncio
import random
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from pulse.bootstrap import Container
from pulse.inventory import reservations
from pulse.inventory import service as inventory
from pulse.inventory.models import Reservation, StockMovement
from pulse.inventory.schemas import ProductCreate

Request = reservations.Request


async def _product(container: Container, sku: str, units: int) -> None:
    async with container.uow(actor="setup") as uow:
        await inventory.create_product(
            uow, ProductCreate(sku=sku, name=sku, price=Decimal("5.00"), qty_on_hand=units)
        )
        await uow.commit()


async def _reserve(container: Container, requests: list[Request]) -> tuple[list[bool], list]:
    async with container.uow(actor="consumer") as uow:
        results = await reservations.reserve_orders(uow, requests)
        events = uow.pending_events
        await uow.commit()
    return results, events


async def _figures(container: Container, sku: str) -> tuple[int, int, list[tuple[int, int]]]:
    async with container.uow(readonly=True) as uow:
        stock = await inventory.get_stock(uow, sku)
        after = (
            await uow.session.execute(
                select(StockMovement.on_hand_after, StockMovement.reserved_after)
                .where(StockMovement.sku == sku)
                .order_by(StockMovement.id)
            )
        ).all()
    return stock.qty_on_hand, stock.reserved_qty, [tuple(x) for x in after]


async def test_the_earliest_orders_of_a_batch_get_the_last_units(bare_container: Container) -> None:
    await _product(bare_container, "LAST-A", 10)
    await _product(bare_container, "LAST-B", 4)
    ids = [uuid.uuid4() for _ in range(7)]
    wanted = [
        [("LAST-A", 3)],
        [("LAST-A", 3), ("LAST-B", 2)],
        [("LAST-A", 3)],
        [("LAST-A", 3)],  # 1 left: refused
        [("LAST-A", 2), ("LAST-B", 2)],  # refused whole: LAST-B is not taken
        [("LAST-B", 2), ("LAST-A", 1)],  # still fits after the refusal
        [("LAST-B", 1), ("LAST-A", 1)],  # both gone now
    ]
    results, events = await _reserve(
        bare_container, [Request(i, lines) for i, lines in zip(ids, wanted, strict=True)]
    )

    assert results == [True, True, True, False, False, True, False]
    assert [e.type for e in events] == [
        "stock.reserved",
        "stock.reserved",
        "stock.reserved",
        "stock.reservation_failed",
        "stock.reservation_failed",
        "stock.reserved",
        "stock.reservation_failed",
    ]
    assert [uuid.UUID(e.payload["order_id"]) for e in events] == ids
    assert events[3].payload["shortages"] == [{"sku": "LAST-A", "requested": 3, "available": 1}]
    assert events[4].payload["shortages"] == [{"sku": "LAST-A", "requested": 2, "available": 1}]
    assert events[6].payload["shortages"] == [
        {"sku": "LAST-A", "requested": 1, "available": 0},
        {"sku": "LAST-B", "requested": 1, "available": 0},
    ]
    # Each event reports the figures as they were right after that order.
    assert events[5].payload["lines"] == [
        {"sku": "LAST-A", "qty": 1, "qty_on_hand": 10, "reserved_qty": 10},
        {"sku": "LAST-B", "qty": 2, "qty_on_hand": 4, "reserved_qty": 4},
    ]
    assert (await _figures(bare_container, "LAST-A"))[:2] == (10, 10)
    on_hand, reserved, after = await _figures(bare_container, "LAST-B")
    assert (on_hand, reserved) == (4, 4)
    assert [r for _, r in after if r] == [2, 4]

    # The same batch again holds nothing more and says nothing more for the served orders.
    again, events = await _reserve(
        bare_container, [Request(i, lines) for i, lines in zip(ids, wanted, strict=True)]
    )
    assert again == [True, True, True, False, False, True, False]
    assert [e.type for e in events] == ["stock.reservation_failed"] * 3
    assert (await _figures(bare_container, "LAST-A"))[:2] == (10, 10)


async def test_racing_batches_and_stock_changes_never_oversell(bare_container: Container) -> None:
    units = 40
    skus = ["RACE-A", "RACE-B"]
    for sku in skus:
        await _product(bare_container, sku, units)
    rng = random.Random(7)
    batches = [
        [
            Request(uuid.uuid4(), [(rng.choice(skus), rng.randint(1, 3)) for _ in range(2)])
            for _ in range(15)
        ]
        for _ in range(8)
    ]

    async def adjust() -> None:
        for _ in range(5):
            async with bare_container.uow(actor="clerk") as uow:
                await inventory.change_on_hand(
                    uow, "RACE-A", delta=2, kind="adjustment", reason="found two"
                )
                await uow.commit()
            await asyncio.sleep(0)

    outcomes = await asyncio.gather(*(_reserve(bare_container, b) for b in batches), adjust())
    served = {
        request.order_id
        for batch, (results, _) in zip(batches, outcomes[:-1], strict=True)
        for request, ok in zip(batch, results, strict=True)
        if ok
    }
    assert served  # some win, not all: 8 x 15 orders of about 4 units against 90
    assert len(served) < sum(len(b) for b in batches)
    async with bare_container.uow(readonly=True) as uow:
        held = dict(
            (
                await uow.session.execute(
                    select(Reservation.sku, func.sum(Reservation.qty)).group_by(Reservation.sku)
                )
            ).all()
        )
        orders = set((await uow.session.execute(select(Reservation.order_id).distinct())).scalars())
    assert {uuid.UUID(str(o)) for o in orders} == served
    for sku in skus:
        on_hand, reserved, after = await _figures(bare_container, sku)
        assert reserved == int(held.get(sku, 0)) <= on_hand
        assert all(0 <= r <= h for h, r in after), after
    assert (await _figures(bare_container, "RACE-A"))[0] == units + 10
