"""HTTP endpoints of the inventory module."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from pulse.inventory import reservations, service
from pulse.inventory.schemas import (
    AdjustStock,
    MovementPage,
    ProductCreate,
    ProductUpdate,
    ReceiveStock,
    ReleaseStock,
    ReservationRead,
    ReserveStock,
    StockPage,
    StockRead,
)
from pulse.platform.api import LongPaging, Paging, ReadUowDep, UowDep
from pulse.platform.auth.tokens import Principal
from pulse.platform.deps import CurrentPrincipal, Requires
from pulse.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from pulse.platform.validation import NoNul

router = APIRouter(prefix="/inventory", tags=["inventory"])

SkuPath = Annotated[str, Path(min_length=1, max_length=64), NoNul]
CanRead = Annotated[Principal, Requires("inventory:read")]
CanWrite = Annotated[Principal, Requires("inventory:write")]
CanReserve = Annotated[Principal, Requires("inventory:reserve")]
PRICE = "inventory:price"


async def _may_edit_products(principal: CurrentPrincipal) -> Principal:
    """Editing a product is open to whoever may change either part of it: the price and tax
    rate (`inventory:price`) or the rest (`inventory:write`); the service checks each field."""
    if not (principal.can("inventory:write") or principal.can(PRICE)):
        raise Forbidden(
            f"the '{principal.role}' role lacks the 'inventory:write' and '{PRICE}' permissions"
        )
    return principal


CanEdit = Annotated[Principal, Depends(_may_edit_products)]


@router.get("", response_model=StockPage)
async def list_stock(
    uow: ReadUowDep,
    _: CanRead,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=100), NoNul] = None,
    active: bool | None = None,
    low_stock: Annotated[
        bool, Query(description="Only products at or below their reorder point")
    ] = False,
) -> StockPage:
    return await service.list_stock(
        uow, q=q, active=active, low_only=low_stock, limit=paging.limit, offset=paging.offset
    )


@router.post("", response_model=StockRead, status_code=status.HTTP_201_CREATED)
async def create_product(data: ProductCreate, uow: UowDep, principal: CanWrite) -> StockRead:
    """Needs `inventory:write` and, as it sets a price, `inventory:price`."""
    return await service.create_product(uow, data, can_price=principal.can(PRICE))


@router.get("/low-stock", response_model=StockPage)
async def low_stock(uow: ReadUowDep, _: CanRead, paging: LongPaging) -> StockPage:
    return await service.list_stock(
        uow, q=None, low_only=True, active=True, limit=paging.limit, offset=paging.offset
    )


@router.get("/{sku}", response_model=StockRead)
async def get_stock(sku: SkuPath, uow: ReadUowDep, _: CanRead) -> StockRead:
    return await service.get_stock(uow, sku)


@router.patch("/{sku}", response_model=StockRead)
async def update_product(
    sku: SkuPath, data: ProductUpdate, uow: UowDep, principal: CanEdit
) -> StockRead:
    """The price and tax rate need `inventory:price`; the other fields `inventory:write`."""
    return await service.update_product(
        uow,
        sku,
        data,
        can_price=principal.can(PRICE),
        can_edit=principal.can("inventory:write"),
    )


@router.post("/{sku}/receive", response_model=StockRead)
async def receive(sku: SkuPath, data: ReceiveStock, uow: UowDep, _: CanWrite) -> StockRead:
    return await service.change_on_hand(
        uow, sku, delta=data.qty, kind="receipt", reason=data.reason
    )


@router.post("/{sku}/adjust", response_model=StockRead)
async def adjust(sku: SkuPath, data: AdjustStock, uow: UowDep, _: CanWrite) -> StockRead:
    if data.delta == 0:
        raise InvalidInput("delta must not be zero", field="delta")
    return await service.change_on_hand(
        uow, sku, delta=data.delta, kind="adjustment", reason=data.reason
    )


@router.post("/{sku}/reserve", response_model=ReservationRead, status_code=status.HTTP_201_CREATED)
async def reserve(sku: SkuPath, data: ReserveStock, uow: UowDep, _: CanReserve) -> ReservationRead:
    await service.get_stock(uow, sku)
    hold_id = uuid.uuid4()
    ok, shortages = await reservations.reserve(
        uow, hold_id, [(sku, data.qty)], reason=data.reference or "manual hold", source="hold"
    )
    if not ok:
        available = shortages[0].available if shortages else 0
        raise Conflict(
            f"cannot reserve {data.qty} of '{sku}': only {available} available",
            code="insufficient_stock",
            extra={"available": available},
        )
    stock = await service.get_stock(uow, sku)
    return ReservationRead(reservation_id=hold_id, sku=sku, qty=data.qty, stock=stock)


@router.post("/{sku}/release", response_model=StockRead)
async def release(sku: SkuPath, data: ReleaseStock, uow: UowDep, _: CanReserve) -> StockRead:
    await service.get_stock(uow, sku)
    lines = await reservations.release(
        uow, data.reservation_id, reason="manual release", source="hold"
    )
    if not lines or any(line.sku != sku for line in lines):
        raise NotFound(
            f"no active reservation {data.reservation_id} for '{sku}'", field="reservation_id"
        )
    return await service.get_stock(uow, sku)


@router.get("/{sku}/movements", response_model=MovementPage)
async def movements(sku: SkuPath, uow: ReadUowDep, _: CanRead, paging: Paging) -> MovementPage:
    return await service.movement_history(uow, sku, limit=paging.limit, offset=paging.offset)
