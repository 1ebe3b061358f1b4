"""HTTP endpoints of the orders module: customers and orders."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from pulse.orders import customers as customer_cases
from pulse.orders import service
from pulse.orders.schemas import (
    CustomerCreate,
    CustomerPage,
    CustomerRead,
    CustomerUpdate,
    OrderCancel,
    OrderCreate,
    OrderPage,
    OrderRead,
    OrderStatus,
    OrderUpdate,
)
from pulse.platform import idempotency
from pulse.platform.api import IdempotencyKey, Paging, ReadUowDep, UowDep
from pulse.platform.auth.tokens import Principal
from pulse.platform.backpressure import Backpressure
from pulse.platform.company import company_profile
from pulse.platform.deps import Requires, get_container
from pulse.platform.openapi import problem_response
from pulse.platform.validation import IsoDateTime, NoNul

customers = APIRouter(prefix="/customers", tags=["customers"])
orders = APIRouter(prefix="/orders", tags=["orders"])

JSON = "application/json"


def _answer(model: BaseModel, status_code: int = 200) -> Response:
    """The model as JSON, serialised once: a route that returns a model has FastAPI validate
    and serialise it again through its `response_model`, which keeps declaring the shape."""
    return Response(model.model_dump_json(), status_code=status_code, media_type=JSON)


# Voiding or crediting an invoice, whichever route leads there (billing's own permission).
SETTLE_INVOICE = "billing:write"


@customers.get("", response_model=CustomerPage)
async def list_customers(
    uow: ReadUowDep,
    _: Annotated[Principal, Requires("customers:read")],
    paging: Paging,
    q: Annotated[str | None, Query(max_length=100), NoNul] = None,
) -> CustomerPage:
    return await customer_cases.list_customers(uow, q=q, limit=paging.limit, offset=paging.offset)


@customers.post("", response_model=CustomerRead, status_code=status.HTTP_201_CREATED)
async def create_customer(
    data: CustomerCreate,
    uow: UowDep,
    request: Request,
    _: Annotated[Principal, Requires("customers:write")],
) -> CustomerRead:
    company = await company_profile(uow, defaults=get_container(request).settings)
    return await customer_cases.create_customer(uow, data, default_terms=company.payment_terms_days)


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
    return await customer_cases.update_customer(uow, customer_id, data)


@orders.post(
    "",
    response_model=OrderRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        503: problem_response(
            503, "The order flow is behind: wait as long as `Retry-After` says, then retry"
        )
    },
)
async def place_order(
    data: OrderCreate,
    principal: Annotated[Principal, Requires("orders:write")],
    # Before the unit of work: a refusal takes no connection and no writer lock.
    _: Backpressure,
    uow: UowDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    result = await idempotency.run_once(
        uow,
        key=idempotency_key,
        scope=f"orders:{principal.user_id}",
        request=data,
        run=lambda: service.place_order(
            uow, data, can_override_price=principal.can("orders:override_price")
        ),
    )
    if isinstance(result, Response):
        return result
    return _answer(result, status.HTTP_201_CREATED)


@orders.get("", response_model=OrderPage)
async def list_orders(
    uow: ReadUowDep,
    _: Annotated[Principal, Requires("orders:read")],
    paging: Paging,
    status: OrderStatus | None = None,
    customer_id: uuid.UUID | None = None,
    created_from: Annotated[IsoDateTime | None, Query(alias="from")] = None,
    created_to: Annotated[IsoDateTime | None, Query(alias="to")] = None,
) -> Any:
    page = await service.list_orders(
        uow,
        status=status,
        customer_id=customer_id,
        created_from=created_from,
        created_to=created_to,
        limit=paging.limit,
        offset=paging.offset,
    )
    return _answer(page)


@orders.get("/{order_id}", response_model=OrderRead)
async def get_order(
    order_id: uuid.UUID, uow: ReadUowDep, _: Annotated[Principal, Requires("orders:read")]
) -> Any:
    return _answer(await service.get_order(uow, order_id))


@orders.patch("/{order_id}", response_model=OrderRead)
async def update_order(
    order_id: uuid.UUID,
    data: OrderUpdate,
    uow: UowDep,
    principal: Annotated[Principal, Requires("orders:write")],
) -> OrderRead:
    """Move the order on. Cancelling an invoiced order also needs `billing:write`."""
    return await service.change_status(
        uow,
        order_id,
        data.status,
        reason=data.reason,
        can_settle_invoice=principal.can(SETTLE_INVOICE),
    )


@orders.post("/{order_id}/cancel", response_model=OrderRead)
async def cancel_order(
    order_id: uuid.UUID,
    uow: UowDep,
    principal: Annotated[Principal, Requires("orders:write")],
    data: OrderCancel | None = None,
) -> OrderRead:
    """Cancel the order. Once it is invoiced this voids or credits the invoice, which needs
    `billing:write` as well."""
    return await service.cancel_order(
        uow,
        order_id,
        reason=data.reason if data else "",
        can_settle_invoice=principal.can(SETTLE_INVOICE),
    )
