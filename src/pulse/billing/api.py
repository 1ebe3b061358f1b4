"""HTTP endpoints of the billing module: invoices, payments, credit notes, the ledger."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from pulse.billing import credit_notes, invoice_queries, invoices, ledger, payments
from pulse.billing.documents import Documents
from pulse.billing.schemas import (
    AccountRead,
    CreditNoteCreate,
    CreditNotePage,
    CreditNoteRead,
    InvoiceCreate,
    InvoicePage,
    InvoiceRead,
    InvoiceStatus,
    InvoiceVoid,
    JournalPage,
    PaymentCreate,
    PaymentMethod,
    PaymentPage,
    PaymentReceipt,
    RefundCreate,
    RefundReceipt,
    TrialBalance,
)
from pulse.platform import idempotency
from pulse.platform.api import IdempotencyKey, Paging, ReadUowDep, UowDep
from pulse.platform.auth.tokens import Principal
from pulse.platform.deps import Requires, get_container
from pulse.platform.validation import IsoDate, IsoDateTime

router = APIRouter(prefix="/billing", tags=["billing"])

AccountCode = Annotated[str | None, Query(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z.-]+$")]
Read = Annotated[Principal, Requires("billing:read")]
Write = Annotated[Principal, Requires("billing:write")]
Pay = Annotated[Principal, Requires("billing:pay")]


def _documents(request: Request) -> Documents:
    return get_container(request).documents


DocumentsDep = Annotated[Documents, Depends(_documents)]


def _pdf(number: str, data: bytes) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{number}.pdf"'},
    )


# -- invoices --------------------------------------------------------------------------------
@router.get("/invoices", response_model=InvoicePage)
async def list_invoices(
    uow: ReadUowDep,
    _: Read,
    paging: Paging,
    status: InvoiceStatus | None = None,
    customer_id: uuid.UUID | None = None,
    order_id: Annotated[uuid.UUID | None, Query(description="The invoice of this order")] = None,
    overdue: bool | None = None,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
) -> InvoicePage:
    return await invoice_queries.list_invoices(
        uow,
        status=status,
        customer_id=customer_id,
        order_id=order_id,
        overdue=overdue,
        date_from=date_from,
        date_to=date_to,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/invoices", response_model=InvoiceRead, status_code=status.HTTP_201_CREATED)
async def create_invoice(
    data: InvoiceCreate,
    uow: UowDep,
    principal: Write,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await idempotency.run_once(
        uow,
        key=idempotency_key,
        scope=f"invoices:{principal.user_id}",
        request=data,
        run=lambda: invoices.create_invoice(uow, data),
    )


@router.get("/invoices/{invoice_id}", response_model=InvoiceRead)
async def get_invoice(invoice_id: uuid.UUID, uow: ReadUowDep, _: Read) -> InvoiceRead:
    return await invoice_queries.get_invoice(uow, invoice_id)


@router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The invoice as PDF"}},
)
async def invoice_pdf(
    invoice_id: uuid.UUID, uow: ReadUowDep, _: Read, documents: DocumentsDep
) -> Response:
    return _pdf(*await documents.invoice_pdf(uow, invoice_id))


@router.post("/invoices/{invoice_id}/void", response_model=InvoiceRead)
async def void_invoice(
    invoice_id: uuid.UUID, uow: UowDep, _: Write, data: InvoiceVoid | None = None
) -> InvoiceRead:
    return await invoices.void_invoice(uow, invoice_id, reason=data.reason if data else "")


@router.post(
    "/invoices/{invoice_id}/pay", response_model=PaymentReceipt, status_code=status.HTTP_201_CREATED
)
async def pay_invoice(
    invoice_id: uuid.UUID,
    data: PaymentCreate,
    uow: UowDep,
    principal: Pay,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await idempotency.run_once(
        uow,
        key=idempotency_key,
        scope=f"payments:{principal.user_id}:{invoice_id}",
        request=data,
        run=lambda: payments.record_payment(uow, invoice_id, data),
    )


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    response_model=CreditNoteRead,
    status_code=status.HTTP_201_CREATED,
)
async def credit_invoice(
    invoice_id: uuid.UUID,
    data: CreditNoteCreate,
    uow: UowDep,
    principal: Write,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await idempotency.run_once(
        uow,
        key=idempotency_key,
        scope=f"credit-notes:{principal.user_id}:{invoice_id}",
        request=data,
        run=lambda: credit_notes.issue_credit_note(uow, invoice_id, data),
    )


@router.post(
    "/invoices/{invoice_id}/refunds",
    response_model=RefundReceipt,
    status_code=status.HTTP_201_CREATED,
)
async def refund_invoice(
    invoice_id: uuid.UUID,
    data: RefundCreate,
    uow: UowDep,
    principal: Write,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Pay back what the invoice's credit notes left owed to the customer."""
    return await idempotency.run_once(
        uow,
        key=idempotency_key,
        scope=f"refunds:{principal.user_id}:{invoice_id}",
        request=data,
        run=lambda: payments.pay_refund(uow, invoice_id, data),
    )


# -- payments and credit notes ---------------------------------------------------------------
@router.get("/payments", response_model=PaymentPage)
async def list_payments(
    uow: ReadUowDep,
    _: Read,
    paging: Paging,
    invoice_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    method: PaymentMethod | None = None,
    received_from: Annotated[IsoDateTime | None, Query(alias="from")] = None,
    received_to: Annotated[IsoDateTime | None, Query(alias="to")] = None,
) -> PaymentPage:
    return await payments.list_payments(
        uow,
        invoice_id=invoice_id,
        customer_id=customer_id,
        method=method,
        received_from=received_from,
        received_to=received_to,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/credit-notes", response_model=CreditNotePage)
async def list_credit_notes(
    uow: ReadUowDep,
    _: Read,
    paging: Paging,
    invoice_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
) -> CreditNotePage:
    return await credit_notes.list_credit_notes(
        uow,
        invoice_id=invoice_id,
        customer_id=customer_id,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/credit-notes/{credit_note_id}", response_model=CreditNoteRead)
async def get_credit_note(credit_note_id: uuid.UUID, uow: ReadUowDep, _: Read) -> CreditNoteRead:
    return await credit_notes.get_credit_note(uow, credit_note_id)


@router.get(
    "/credit-notes/{credit_note_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The credit note"}},
)
async def credit_note_pdf(
    credit_note_id: uuid.UUID, uow: ReadUowDep, _: Read, documents: DocumentsDep
) -> Response:
    return _pdf(*await documents.credit_note_pdf(uow, credit_note_id))


# -- ledger ----------------------------------------------------------------------------------
@router.get("/accounts", response_model=list[AccountRead])
async def list_accounts(
    uow: ReadUowDep, _: Read, as_of: IsoDate | None = None
) -> list[AccountRead]:
    """The chart of accounts with each account's totals and balance (up to `as_of`)."""
    return await ledger.list_accounts(uow, as_of=as_of)


@router.get("/ledger", response_model=JournalPage)
async def journal(
    uow: ReadUowDep,
    _: Read,
    paging: Paging,
    account: AccountCode = None,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
) -> JournalPage:
    return await ledger.journal(
        uow,
        account=account,
        date_from=date_from,
        date_to=date_to,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/trial-balance", response_model=TrialBalance)
async def trial_balance(uow: ReadUowDep, _: Read, as_of: IsoDate | None = None) -> TrialBalance:
    return await ledger.trial_balance(uow, as_of=as_of)
