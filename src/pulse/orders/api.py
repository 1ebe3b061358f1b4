"""HTTP endpoints of the orders module: customers and orders."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, status

from pulse.orders import customers as customer_cases
from pulse.orders import service
from pulse.orders.schemas import (
    CustomerCreate,
    CustomerPage,
    CustomerRead,
    CustomerUpdate,
    NoNul,
    OrderCancel,
    OrderCreate,
    OrderPage,
    OrderRead,
    OrderStatus,
    OrderUpdate,
)
from pulse.platform import idempotency
from pulse.platform.auth.tokens import Principal
from pulse.platform.deps import ReadUowDep, Requires, UowDep
from pulse.platform.validation import PRINTABLE_HEADER_PATTERN, IsoDateTime

customers = APIRouter(prefix="/customers", tags=["customers"])
orders = APIRouter(prefix="/orders", tags=["orders"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=PRINTABLE_HEADER_PATTERN),
]
# Voiding or crediting an invoice, whichever route leads there (billing's own permission).
SETTLE_INVOICE = "billing:write"


@customers.get("", response_model=CustomerPage)
async def list_customers(
    uow: ReadUowDep,
    _: Annotated[Principal, Requires("customers:read")],
    q: Annotated[str | None, Query(max_length=100), NoNul] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CustomerPage:
    return await customer_cases.list_customers(uow, q=q, limit=limit, offset=offset)


@customers.post("", response_model=CustomerRead, status_code=status.HTTP_201_CREATED)
async def create_customer(
    data: CustomerCreate, uow: UowDep, _: Annotated[Principal, Requires("customers:write")]
) -> CustomerRead:
    result = await customer_cases.create_customer(uow, data)
    await uow.commit()
    return result


@customers.get("/{customer_id}", response_model=CustomerRead)
async def get_customer(
    customer_id: uuid.UUID, uow: ReadUowDep, _: Annotated[Principal, Requires("customers:read")]
) -> CustomerRead:
    return await customer_cases.get_customer(uow, customer_id)


@customers.patch("/{customer_id}", response_model=CustomerRead)
async def update_customer(
    customer_id: uuid.UUID,
    data: CustomerUpdate,
    uow: UowDep,
    _: Annotated[Principal, Requires("customers:write")],
) -> CustomerRead:
    result = await customer_cases.update_customer(uow, customer_id, data)
    await uow.commit()
    return result


@orders.post("", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
async def place_order(
    data: OrderCreate,
    uow: UowDep,
    principal: Annotated[Principal, Requires("orders:write")],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await idempotency.run_once(
        uow,
        key=idempotency_key,
        scope=f"orders:{principal.user_id}",
        request=data,
        run=lambda: service.place_order(
            uow, data, can_override_price=principal.can("orders:override_price")
        ),
    )


@orders.get("", response_model=OrderPage)
async def list_orders(
    uow: ReadUowDep,
    _: Annotated[Principal, Requires("orders:read")],
    status: OrderStatus | None = None,
    customer_id: uuid.UUID | None = None,
    created_from: Annotated[IsoDateTime | None, Query(alias="from")] = None,
    created_to: Annotated[IsoDateTime | None, Query(alias="to")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OrderPage:
    return await service.list_orders(
        uow,
        status=status,
        customer_id=customer_id,
        created_from=created_from,
        created_to=created_to,
        limit=limit,
        offset=offset,
    )


@orders.get("/{order_id}", response_model=OrderRead)
async def get_order(
    order_id: uuid.UUID, uow: ReadUowDep, _: Annotated[Principal, Requires("orders:read")]
) -> OrderRead:
    return await service.get_order(uow, order_id)


@orders.patch("/{order_id}", response_model=OrderRead)
async def update_order(
    order_id: uuid.UUID,
    data: OrderUpdate,
    uow: UowDep,
    principal: Annotated[Principal, Requires("orders:write")],
) -> OrderRead:
    """Move the order on. Cancelling an invoiced order also needs `billing:write`."""
    result = await service.change_status(
        uow,
        order_id,
        data.status,
        reason=data.reason,
        can_settle_invoice=principal.can(SETTLE_INVOICE),
    )
    await uow.commit()
    return result


@orders.post("/{order_id}/cancel", response_model=OrderRead)
async def cancel_order(
    order_id: uuid.UUID,
    uow: UowDep,
    principal: Annotated[Principal, Requires("orders:write")],
    data: OrderCancel | None = None,
) -> OrderRead:
    """Cancel the order. Once it is invoiced this voids or credits the invoice, which needs
    `billing:write` as well."""
    result = await service.cancel_order(
        uow,
        order_id,
        reason=data.reason if data else "",
        can_settle_invoice=principal.can(SETTLE_INVOICE),
    )
    await uow.commit()
    return result
