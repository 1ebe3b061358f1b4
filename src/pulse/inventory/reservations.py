"""Reservations: every line or none, released on cancel, shipped out of stock."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pulse.inventory.events import (
    Shortage,
    StockChanged,
    StockLine,
    StockReleased,
    StockReservationFailed,
    StockReserved,
)
from pulse.inventory.repository import InventoryRepository
from pulse.inventory.service import movement_row
from pulse.platform.errors import Conflict
from pulse.platform.events import Envelope, utcnow
from pulse.platform.uow import UnitOfWork


def _merge(lines: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    merged: dict[str, int] = {}
    for sku, qty in lines:
        merged[sku] = merged.get(sku, 0) + qty
    # A fixed order keeps two transactions from locking the same rows in opposite orders.
    return sorted(merged.items())


async def _log_movements(
    uow: UnitOfWork,
    stock: InventoryRepository,
    changes: Sequence[tuple[str, int]],
    *,
    kind: str,
    reason: str,
    order_id: uuid.UUID,
    now: datetime,
) -> dict[str, tuple[int, int]]:
    """A movement of each (SKU, signed quantity) change, with the SKU's figures after it;
    returns those (on hand, reserved) figures."""
    if not changes:
        return {}
    figures = await stock.level_figures([sku for sku, _ in changes])
    await stock.add_movements(
        [
            movement_row(
                uow,
                sku=sku,
                kind=kind,
                qty=qty,
                on_hand=figures[sku][0],
                reserved=figures[sku][1],
                reason=reason,
                order_id=order_id,
                now=now,
            )
            for sku, qty in changes
        ],
    )
    return figures


async def reserve(
    uow: UnitOfWork,
    reference_id: uuid.UUID,
    lines: Sequence[tuple[str, int]],
    *,
    reason: str,
    source: str = "order",
) -> tuple[bool, list[Shortage]]:
    """Reserve every line or none. Returns (ok, shortages)."""
    stock = uow.repo(InventoryRepository)
    if await stock.reservations_for(reference_id):
        return True, []  # already reserved for this reference: nothing more to do
    wanted = _merge(lines)
    now = utcnow()
    done: list[tuple[str, int]] = []
    failed = False
    for sku, qty in wanted:
        if await stock.try_reserve(sku, qty, now):
            done.append((sku, qty))
        else:
            failed = True
            break
    if failed:
        for sku, qty in done:
            await stock.try_unreserve(sku, qty, now)
        figures = await stock.level_figures([s for s, _ in wanted], latest=True)
        shortages = []
        for sku, qty in wanted:
            on_hand, reserved = figures.get(sku, (0, 0))
            if on_hand - reserved < qty:
                shortages.append(
                    Shortage(sku=sku, requested=qty, available=max(0, on_hand - reserved))
                )
        return False, shortages
    await stock.add_reservations(
        [
            {
                "order_id": reference_id,
                "sku": sku,
                "qty": qty,
                "status": "active",
                "source": source,
                "created_at": now,
                "updated_at": now,
            }
            for sku, qty in wanted
        ],
    )
    figures = await _log_movements(
        uow, stock, wanted, kind="reservation", reason=reason, order_id=reference_id, now=now
    )
    uow.emit(
        StockReserved(
            order_id=reference_id,
            lines=tuple(
                StockLine(
                    sku=sku, qty=qty, qty_on_hand=figures[sku][0], reserved_qty=figures[sku][1]
                )
                for sku, qty in wanted
            ),
        )
    )
    return True, []


async def reserve_for_order(
    uow: UnitOfWork, order_id: uuid.UUID, lines: Sequence[tuple[str, int]]
) -> bool:
    """One order's reservation (see `reserve_orders`)."""
    return (await reserve_orders(uow, [Request(order_id, lines)]))[0]


@dataclass(frozen=True, slots=True)
class Request:
    """One order's lines to reserve, and the event that asked (its actor and cause)."""

    order_id: uuid.UUID
    lines: Sequence[tuple[str, int]]
    cause: Envelope | None = None


async def reserve_orders(uow: UnitOfWork, requests: Sequence[Request]) -> list[bool]:
    """Reserve stock for many orders, each all-or-nothing, in the order given: an order
    that cannot have every line is refused whole (`stock.reservation_failed`, saying what is
    short) and the later orders may still have what it would have taken.

    A constant number of statements whatever the number of orders: the orders already
    reserved, the stock levels of every SKU involved (locked, in SKU order, where the
    database has row locks), then one executemany of level updates and one insert each of
    reservations and movements. The updates add to the stored figures and the table's
    checks keep reserved within on hand, so even a figure read wrong could not oversell.
    Answers, per request, whether its order holds its stock.
    """
    if not requests:
        return []
    stock = uow.repo(InventoryRepository)
    done = await stock.orders_with_reservations([r.order_id for r in requests])
    wanted = {r.order_id: _merge(r.lines) for r in requests if r.order_id not in done}
    skus = sorted({sku for lines in wanted.values() for sku, _ in lines})
    figures = await stock.level_figures(skus, lock=True) if skus else {}
    reserved_before = {sku: reserved for sku, (_, reserved) in figures.items()}
    now = utcnow()
    results: list[bool] = []
    reservations: list[dict[str, Any]] = []
    movements: list[dict[str, Any]] = []
    for request in requests:
        order_id = request.order_id
        if order_id in done:
            results.append(True)  # already holds its stock: nothing more to do
            continue
        lines = wanted[order_id]
        short = [
            Shortage(sku=sku, requested=qty, available=_available(figures, sku))
            for sku, qty in lines
            if _available(figures, sku) < qty
        ]
        actor = request.cause.actor if request.cause is not None else uow.actor
        if short:
            detail = ", ".join(
                f"{s.sku}: {s.requested} wanted, {s.available} available" for s in short
            )
            uow.emit(
                StockReservationFailed(
                    order_id=order_id,
                    reason=f"not enough stock ({detail})",
                    shortages=tuple(short),
                ),
                cause=request.cause,
            )
            results.append(False)
            continue
        out = []
        for sku, qty in lines:
            on_hand, reserved = figures[sku]
            figures[sku] = (on_hand, reserved + qty)
            out.append(
                StockLine(sku=sku, qty=qty, qty_on_hand=on_hand, reserved_qty=reserved + qty)
            )
            reservations.append(
                {
                    "order_id": order_id,
                    "sku": sku,
                    "qty": qty,
                    "status": "active",
                    "source": "order",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            movements.append(
                {
                    "sku": sku,
                    "kind": "reservation",
                    "qty": qty,
                    "on_hand_after": on_hand,
                    "reserved_after": reserved + qty,
                    "reason": "order",
                    "actor": actor,
                    "order_id": order_id,
                    "created_at": now,
                }
            )
        done.add(order_id)  # a second request for the same order in this batch holds already
        uow.emit(StockReserved(order_id=order_id, lines=tuple(out)), cause=request.cause)
        results.append(True)
    added = {
        sku: figures[sku][1] - reserved_before[sku]
        for sku in skus
        if sku in figures and figures[sku][1] != reserved_before[sku]
    }
    if added:
        await stock.add_reserved(added, now)
        await stock.add_reservation_rows(reservations)
        await stock.add_movement_rows(movements)
    return results


def _available(figures: dict[str, tuple[int, int]], sku: str) -> int:
    on_hand, reserved = figures.get(sku, (0, 0))
    return max(0, on_hand - reserved)


async def _close(
    stock: InventoryRepository,
    reference_id: uuid.UUID,
    status: str,
    take: Callable[[str, int, datetime], Awaitable[bool]],
    *,
    now: datetime,
    source: str | None = None,
) -> list[tuple[str, int]]:
    """Move the reference's active reservations (of `source`, when given) to `status`, each
    taken from its stock level by `take`; the (SKU, quantity) of those this call moved."""
    closed: list[tuple[str, int]] = []
    for res in await stock.reservations_for(reference_id):
        if res.status != "active" or (source is not None and res.source != source):
            continue
        if await stock.set_reservation_status(
            reference_id, res.sku, expected="active", status=status, now=now
        ):
            if not await take(res.sku, res.qty, now):
                raise Conflict(f"reserved stock of '{res.sku}' is lower than its reservations")
            closed.append((res.sku, res.qty))
    return closed


async def release(
    uow: UnitOfWork, reference_id: uuid.UUID, *, reason: str, source: str = "order"
) -> list[StockLine]:
    """Release every active reservation of a reference (an order, or a manual hold)."""
    stock = uow.repo(InventoryRepository)
    now = utcnow()
    released = await _close(
        stock, reference_id, "released", stock.try_unreserve, now=now, source=source
    )
    if not released:
        return []
    figures = await _log_movements(
        uow,
        stock,
        [(sku, -qty) for sku, qty in released],
        kind="release",
        reason=reason,
        order_id=reference_id,
        now=now,
    )
    out = [
        StockLine(sku=sku, qty=qty, qty_on_hand=figures[sku][0], reserved_qty=figures[sku][1])
        for sku, qty in released
    ]
    uow.emit(StockReleased(order_id=reference_id, lines=tuple(out)))
    return out


async def ship(uow: UnitOfWork, order_id: uuid.UUID) -> list[StockLine]:
    """Take an order's reserved units out of stock."""
    stock = uow.repo(InventoryRepository)
    now = utcnow()
    shipped = await _close(stock, order_id, "shipped", stock.try_ship, now=now)
    figures = await _log_movements(
        uow,
        stock,
        [(sku, -qty) for sku, qty in shipped],
        kind="shipment",
        reason="order shipped",
        order_id=order_id,
        now=now,
    )
    out = []
    for sku, qty in shipped:
        on_hand, reserved = figures[sku]
        uow.emit(
            StockChanged(
                sku=sku,
                kind="shipment",
                delta=-qty,
                qty_on_hand=on_hand,
                reserved_qty=reserved,
                reason="order shipped",
                order_id=order_id,
            )
        )
        out.append(StockLine(sku=sku, qty=qty, qty_on_hand=on_hand, reserved_qty=reserved))
    return out
