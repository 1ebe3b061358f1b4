"""Inventory use cases. Every stock change is a conditional update (never read-then-write),
a movement row and an event, in the caller's unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pulse.inventory.events import (
    ProductCreated,
    ProductUpdated,
    StockChanged,
)
from pulse.inventory.models import Product, StockLevel, StockMovement
from pulse.inventory.repository import MAX_COUNT, InventoryRepository
from pulse.inventory.schemas import (
    MovementPage,
    MovementRead,
    ProductCreate,
    ProductUpdate,
    StockPage,
    StockRead,
)
from pulse.platform.company import tax_rate
from pulse.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from pulse.platform.events import utcnow
from pulse.platform.uow import UnitOfWork


@dataclass(frozen=True)
class CatalogueLine:
    sku: str
    name: str
    price: Decimal
    tax_rate: Decimal
    active: bool


async def catalogue_lines(uow: UnitOfWork, skus: Iterable[str]) -> dict[str, CatalogueLine]:
    """Price and tax rate of each known SKU (for other modules pricing an order)."""
    rows = await uow.repo(InventoryRepository).catalogue(sorted(set(skus)))
    return {row[0]: CatalogueLine(*row) for row in rows}


def for_sale(catalogue: Mapping[str, CatalogueLine], sku: str, *, field: str) -> CatalogueLine:
    """The catalogue line of a SKU a new order or invoice names, refused (at `field` of the
    request) when the SKU is unknown or no longer for sale."""
    entry = catalogue.get(sku)
    if entry is None:
        raise InvalidInput(f"unknown SKU '{sku}'", code="unknown_sku", field=field)
    if not entry.active:
        raise InvalidInput(f"SKU '{sku}' is not for sale", code="inactive_sku", field=field)
    return entry


def to_read(product: Product, stock: StockLevel) -> StockRead:
    available = stock.qty_on_hand - stock.reserved_qty
    return StockRead(
        sku=product.sku,
        name=product.name,
        description=product.description,
        price=product.price,
        tax_rate=product.tax_rate,
        tax_code=product.tax_code,
        active=product.active,
        qty_on_hand=stock.qty_on_hand,
        reserved_qty=stock.reserved_qty,
        available=available,
        reorder_point=stock.reorder_point,
        reorder_qty=stock.reorder_qty,
        lead_time_days=stock.lead_time_days,
        low_stock=available <= stock.reorder_point,
        updated_at=max(product.updated_at, stock.updated_at),
    )


def movement_row(
    uow: UnitOfWork,
    *,
    sku: str,
    kind: str,
    qty: int,
    on_hand: int,
    reserved: int,
    reason: str = "",
    order_id: uuid.UUID | None = None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "sku": sku,
        "kind": kind,
        "qty": qty,
        "on_hand_after": on_hand,
        "reserved_after": reserved,
        "reason": reason,
        "actor": uow.actor,
        "order_id": order_id,
        "created_at": now,
    }


async def _require(uow: UnitOfWork, sku: str) -> tuple[Product, StockLevel]:
    found = await uow.repo(InventoryRepository).get(sku)
    if found is None:
        raise NotFound(f"no product with SKU '{sku}'", field="sku")
    return found


# -- catalogue -------------------------------------------------------------------------------
# What a customer pays for a product: changing either is a pricing effect (`inventory:price`).
PRICING_FIELDS = ("price", "tax_rate", "tax_code")
# The rest of the product and its stock settings (`inventory:write`).
PRODUCT_FIELDS = ("name", "description", "active")
STOCK_FIELDS = ("reorder_point", "reorder_qty", "lead_time_days")


async def _named_rate(uow: UnitOfWork, code: str, given: Decimal | None) -> Decimal:
    """The rate of the named tax rate `code`, which a product is about to follow."""
    try:
        named = await tax_rate(uow, code)
    except NotFound:
        # What the body names, not the path: the request is wrong, not the address.
        raise InvalidInput(
            f"no tax rate '{code}' (see /settings/tax-rates)",
            code="unknown_tax_rate",
            field="tax_code",
        ) from None
    if not named.active:
        raise InvalidInput(
            f"the tax rate '{code}' is no longer in use", code="inactive_tax_rate", field="tax_code"
        )
    if given is not None and given != named.rate:
        raise InvalidInput(
            f"tax_rate {given} differs from the rate of '{code}' ({named.rate}); send one of them",
            code="tax_rate_mismatch",
            field="tax_rate",
        )
    return named.rate


def _pricing_refused(fields: list[str]) -> Forbidden:
    return Forbidden(
        f"setting a product's {' and '.join(fields)} changes what customers pay and needs the "
        "'inventory:price' permission",
        field=fields[0],
    )


async def create_product(
    uow: UnitOfWork, data: ProductCreate, *, can_price: bool = True
) -> StockRead:
    """A new catalogue entry; its price is a pricing effect like any later change of it.
    (`can_price` defaults to true for the trusted callers: demo data, imports.)"""
    if not can_price:
        raise _pricing_refused(["price", "tax_rate"])
    tax_rate = data.tax_rate
    if data.tax_code is not None:
        given = data.tax_rate if "tax_rate" in data.model_fields_set else None
        tax_rate = await _named_rate(uow, data.tax_code, given)
    if await uow.repo(InventoryRepository).exists(data.sku):
        raise Conflict(
            f"a product with SKU '{data.sku}' already exists", code="duplicate_sku", field="sku"
        )
    now = utcnow()
    product = Product(
        sku=data.sku,
        name=data.name,
        description=data.description,
        price=data.price,
        tax_rate=tax_rate,
        tax_code=data.tax_code,
        active=data.active,
        created_at=now,
        updated_at=now,
    )
    stock = StockLevel(
        sku=data.sku,
        qty_on_hand=data.qty_on_hand,
        reserved_qty=0,
        reorder_point=data.reorder_point,
        reorder_qty=data.reorder_qty,
        lead_time_days=data.lead_time_days,
        updated_at=now,
    )
    repo = uow.repo(InventoryRepository)
    await repo.add_product(product, stock)
    if data.qty_on_hand:
        await repo.add_movements(
            [
                movement_row(
                    uow,
                    sku=data.sku,
                    kind="receipt",
                    qty=data.qty_on_hand,
                    on_hand=data.qty_on_hand,
                    reserved=0,
                    reason="opening stock",
                    now=now,
                )
            ],
        )
    uow.emit(
        ProductCreated(
            sku=data.sku,
            name=data.name,
            price=data.price,
            tax_rate=tax_rate,
            qty_on_hand=data.qty_on_hand,
            reorder_point=data.reorder_point,
            reorder_qty=data.reorder_qty,
            lead_time_days=data.lead_time_days,
        )
    )
    return to_read(product, stock)


async def update_product(
    uow: UnitOfWork,
    sku: str,
    data: ProductUpdate,
    *,
    can_price: bool,
    can_edit: bool,
) -> StockRead:
    """Change a product. A field given with the value it already has changes nothing and
    needs no permission (a form may send it back untouched)."""
    found = await uow.repo(InventoryRepository).get_for_update(sku)
    if found is None:
        raise NotFound(f"no product with SKU '{sku}'", field="sku")
    product, stock = found
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name != "tax_code":
            raise InvalidInput(f"{name} cannot be null", field=name)
    if changes.get("tax_code") is not None and changes["tax_code"] != product.tax_code:
        changes["tax_rate"] = await _named_rate(uow, changes["tax_code"], changes.get("tax_rate"))
    elif product.tax_code is not None and "tax_rate" in changes and "tax_code" not in changes:
        if changes["tax_rate"] != product.tax_rate:
            raise InvalidInput(
                f"the product follows the tax rate '{product.tax_code}'; send tax_code null "
                "with the rate to give it a rate of its own",
                code="follows_tax_rate",
                field="tax_rate",
            )
    current = {name: getattr(product, name) for name in (*PRICING_FIELDS, *PRODUCT_FIELDS)}
    current.update({name: getattr(stock, name) for name in STOCK_FIELDS})
    moved = [name for name, value in changes.items() if value != current[name]]
    repriced = [name for name in moved if name in PRICING_FIELDS]
    if repriced and not can_price:
        raise _pricing_refused(repriced)
    edited = [name for name in moved if name not in PRICING_FIELDS]
    if edited and not can_edit:
        raise Forbidden(
            f"changing a product's {', '.join(edited)} needs the 'inventory:write' permission",
            field=edited[0],
        )
    now = utcnow()
    for name in (*PRICING_FIELDS, *PRODUCT_FIELDS):
        if name in changes:
            setattr(product, name, changes[name])
    for name in STOCK_FIELDS:
        if name in changes:
            setattr(stock, name, changes[name])
    if changes:
        product.updated_at = now
        stock.updated_at = now
        await uow.repo(InventoryRepository).save()
        uow.emit(
            ProductUpdated(
                sku=sku,
                changes={k: (str(v) if isinstance(v, Decimal) else v) for k, v in changes.items()},
            )
        )
    return to_read(product, stock)


async def follow_tax_rate(uow: UnitOfWork, code: str) -> list[str]:
    """Products that follow the named tax rate `code` take its rate as it is now (so a
    late or repeated event changes nothing more); each move is a `product.updated`."""
    named = await tax_rate(uow, code)
    moved = await uow.repo(InventoryRepository).follow_tax_rate(code, named.rate, utcnow())
    for sku in moved:
        uow.emit(ProductUpdated(sku=sku, changes={"tax_rate": str(named.rate)}))
    return moved


async def get_stock(uow: UnitOfWork, sku: str) -> StockRead:
    return to_read(*await _require(uow, sku))


async def list_stock(
    uow: UnitOfWork,
    *,
    q: str | None,
    low_only: bool = False,
    active: bool | None = None,
    limit: int,
    offset: int,
) -> StockPage:
    rows, total = await uow.repo(InventoryRepository).search(
        q=q, low_only=low_only, active=active, limit=limit, offset=offset
    )
    return StockPage(
        items=[to_read(p, s) for p, s in rows], total=total, limit=limit, offset=offset
    )


async def movement_history(uow: UnitOfWork, sku: str, *, limit: int, offset: int) -> MovementPage:
    await _require(uow, sku)
    rows, total = await uow.repo(InventoryRepository).movements(sku, limit=limit, offset=offset)
    return MovementPage(
        items=[_movement_read(m) for m in rows], total=total, limit=limit, offset=offset
    )


def _movement_read(m: StockMovement) -> MovementRead:
    return MovementRead(
        id=m.id,
        sku=m.sku,
        kind=m.kind,
        qty=m.qty,
        on_hand_after=m.on_hand_after,
        reserved_after=m.reserved_after,
        reason=m.reason,
        actor=m.actor,
        order_id=str(m.order_id) if m.order_id else None,
        created_at=m.created_at,
    )


# -- on-hand changes -------------------------------------------------------------------------
async def change_on_hand(
    uow: UnitOfWork, sku: str, *, delta: int, kind: str, reason: str
) -> StockRead:
    await _require(uow, sku)
    repo = uow.repo(InventoryRepository)
    now = utcnow()
    if not await repo.try_change_on_hand(sku, delta, now):
        on_hand, reserved = (await repo.level_figures([sku], latest=True))[sku]
        if on_hand + delta > MAX_COUNT:
            raise InvalidInput(
                f"cannot add {delta} to the {on_hand} units of '{sku}' on hand: the count would "
                f"exceed {MAX_COUNT}",
                code="quantity_too_large",
                field="qty" if kind == "receipt" else "delta",
            )
        raise Conflict(
            f"cannot change on-hand stock of '{sku}' by {delta}: {on_hand} on hand, "
            f"{reserved} reserved, and on hand may not fall below what is reserved",
            code="insufficient_stock",
            field="qty" if kind == "receipt" else "delta",
        )
    on_hand, reserved = (await repo.level_figures([sku]))[sku]
    await repo.add_movements(
        [
            movement_row(
                uow,
                sku=sku,
                kind=kind,
                qty=delta,
                on_hand=on_hand,
                reserved=reserved,
                reason=reason,
                now=now,
            )
        ],
    )
    uow.emit(
        StockChanged(
            sku=sku,
            kind=kind,
            delta=delta,
            qty_on_hand=on_hand,
            reserved_qty=reserved,
            reason=reason,
        )
    )
    product, stock = await _require(uow, sku)
    await repo.reload(stock)
    return to_read(product, stock)
