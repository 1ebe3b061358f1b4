"""Customer use cases."""

from __future__ import annotations

import uuid

from pulse.orders.events import (
    CustomerCreated,
    CustomerUpdated,
)
from pulse.orders.models import Customer
from pulse.orders.repository import OrdersRepository
from pulse.orders.schemas import (
    CustomerCreate,
    CustomerPage,
    CustomerRead,
    CustomerUpdate,
)
from pulse.platform.errors import Conflict, InvalidInput, NotFound
from pulse.platform.events import utcnow
from pulse.platform.uow import UnitOfWork


def customer_read(c: Customer) -> CustomerRead:
    return CustomerRead(
        id=c.id,
        code=c.code,
        name=c.name,
        email=c.email,
        phone=c.phone,
        billing_address=c.billing_address,
        payment_terms_days=c.payment_terms_days,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


async def create_customer(
    uow: UnitOfWork, data: CustomerCreate, *, default_terms: int = 30
) -> CustomerRead:
    """A new customer; without payment terms of its own it gets `default_terms` (the
    company's default, which the API passes)."""
    email = str(data.email)
    if await uow.repo(OrdersRepository).email_taken(email):
        raise Conflict(
            f"a customer with email '{email}' already exists", code="duplicate_email", field="email"
        )
    if data.code and await uow.repo(OrdersRepository).code_taken(data.code):
        raise Conflict(
            f"a customer with code '{data.code}' already exists",
            code="duplicate_code",
            field="code",
        )
    now = utcnow()
    customer = Customer(
        id=uuid.uuid4(),
        code=data.code,
        name=data.name,
        email=email,
        phone=data.phone,
        billing_address=data.billing_address,
        payment_terms_days=(
            default_terms if data.payment_terms_days is None else data.payment_terms_days
        ),
        created_at=now,
        updated_at=now,
    )
    await uow.repo(OrdersRepository).add_customer(customer)
    uow.emit(
        CustomerCreated(
            customer_id=customer.id,
            name=customer.name,
            email=email,
            payment_terms_days=customer.payment_terms_days,
        )
    )
    return customer_read(customer)


async def _customer(uow: UnitOfWork, customer_id: uuid.UUID) -> Customer:
    customer = await uow.repo(OrdersRepository).get_customer(customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    return customer


async def get_customer(uow: UnitOfWork, customer_id: uuid.UUID) -> CustomerRead:
    return customer_read(await _customer(uow, customer_id))


async def update_customer(
    uow: UnitOfWork, customer_id: uuid.UUID, data: CustomerUpdate
) -> CustomerRead:
    customer = await _customer(uow, customer_id)
    changes = data.model_dump(exclude_unset=True)
    for name in ("name", "email", "payment_terms_days"):
        if name in changes and changes[name] is None:
            raise InvalidInput(f"{name} cannot be null", field=name)
    if "email" in changes:
        changes["email"] = str(changes["email"])
        if await uow.repo(OrdersRepository).email_taken(changes["email"], other_than=customer_id):
            raise Conflict(
                f"a customer with email '{changes['email']}' already exists",
                code="duplicate_email",
                field="email",
            )
    if changes.get("code") and await uow.repo(OrdersRepository).code_taken(
        changes["code"], other_than=customer_id
    ):
        raise Conflict(
            f"a customer with code '{changes['code']}' already exists",
            code="duplicate_code",
            field="code",
        )
    for name, value in changes.items():
        if name in ("phone", "billing_address") and value is None:
            value = ""
        setattr(customer, name, value)
    if changes:
        customer.updated_at = utcnow()
        await uow.repo(OrdersRepository).save()
        uow.emit(CustomerUpdated(customer_id=customer_id, changes=changes))
    return customer_read(customer)


async def list_customers(
    uow: UnitOfWork, *, q: str | None, limit: int, offset: int
) -> CustomerPage:
    rows, total = await uow.repo(OrdersRepository).search_customers(q=q, limit=limit, offset=offset)
    return CustomerPage(
        items=[customer_read(c) for c in rows], total=total, limit=limit, offset=offset
    )
