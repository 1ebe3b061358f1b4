"""Invoice and credit note PDFs: built from the database, rendered once per version and kept
in the object store.

An invoice's PDF shows its payment status, so each change (payment, credit, void) bumps the
invoice's revision and names a new object; earlier versions stay as what was sent. The
`documents` consumer renders each invoice (a batch at a time) and credit note once it is
issued; a request for a later version not rendered yet renders it on the spot (rendering
every payment's version eagerly would double the CPU cost of a payment).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from decimal import Decimal

from pulse.billing import pdf_worker, rules
from pulse.billing.events import CreditNoteIssued, InvoiceIssued
from pulse.billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from pulse.billing.pdf_model import BillingDocument, Company, DocumentLine, TaxLine
from pulse.billing.repository import BillingRepository
from pulse.platform.company import company_profile
from pulse.platform.consumers import Delivery
from pulse.platform.errors import NotFound
from pulse.platform.events import Envelope
from pulse.platform.settings import Settings
from pulse.platform.storage import ObjectStore
from pulse.platform.uow import UnitOfWork

# Renders the documents consumer has under way at once, per render process.
PIPELINE_PER_PROCESS = 2

# What a document prints as its company, read when it is rendered.
CompanySource = Callable[[UnitOfWork], Awaitable[Company]]


def stored_company(store: ObjectStore, defaults: Settings) -> CompanySource:
    """The company as the settings have it now (`/settings/company`), with its logo."""

    async def company(uow: UnitOfWork) -> Company:
        profile = await company_profile(uow, defaults=defaults)
        logo = await store.get(profile.logo_key) if profile.logo_key else None
        return Company(
            name=profile.name,
            address=profile.address,
            tax_id=profile.tax_id,
            email=profile.email,
            currency=profile.currency,
            logo=logo,
        )

    return company


def fixed_company(company: Company) -> CompanySource:
    async def same(uow: UnitOfWork) -> Company:
        return company

    return same


def invoice_key(invoice: Invoice) -> str:
    return f"invoices/{invoice.number}/r{invoice.revision}.pdf"


def credit_note_key(note: CreditNote) -> str:
    return f"credit-notes/{note.number}.pdf"


def _lines(lines: Sequence[InvoiceLine | CreditNoteLine]) -> tuple[DocumentLine, ...]:
    return tuple(
        DocumentLine(
            sku=x.sku or "",
            description=x.description,
            qty=x.qty,
            unit_price=x.unit_price,
            tax_rate=x.tax_rate,
            line_total=x.line_total,
            line_tax=x.line_tax,
        )
        for x in lines
    )


def _tax_lines(lines: Sequence[InvoiceLine | CreditNoteLine]) -> tuple[TaxLine, ...]:
    return tuple(TaxLine(rate=t.rate, base=t.base, tax=t.tax) for t in rules.tax_lines(lines))


def invoice_document(invoice: Invoice, lines: Sequence[InvoiceLine]) -> BillingDocument:
    """What an invoice's PDF shows, as it stands now."""
    reference = f"Order {invoice.order_number}" if invoice.order_number else ""
    note = invoice.notes
    if invoice.status == "void":
        note = f"VOID. {invoice.void_reason}".strip() + (f"\n{note}" if note else "")
    elif invoice.refund_due > 0:
        note = f"Refund due to the customer: {invoice.refund_due}" + (f"\n{note}" if note else "")
    return BillingDocument(
        kind="invoice",
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        reference=reference,
        customer_name=invoice.customer_name,
        customer_email=invoice.customer_email,
        customer_address=invoice.billing_address,
        lines=_lines(lines),
        tax_lines=_tax_lines(lines),
        subtotal=invoice.subtotal,
        tax=invoice.tax,
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        balance_due=invoice.balance,
        status=invoice.status,
        note=note,
    )


class Documents:
    """Builds, renders and keeps documents.

    With `render_processes` > 0 the rendering (CPU-bound, about 5 ms a page) runs in that
    many separate processes, started on first use: the serving process's event loop and
    its one interpreter lock stay free for requests and the other consumers, and a
    machine with more cores than one renders in parallel. With 0 it runs in a thread.
    The processes stop once nothing was rendered for `idle_seconds` (each holds about
    45 MiB with the PDF library loaded) and start again with the next document.
    """

    def __init__(
        self,
        store: ObjectStore,
        company: CompanySource,
        *,
        render_processes: int = 0,
        idle_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.company = company
        self.render_processes = render_processes
        self.idle_seconds = idle_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._rendering = 0
        self._last_render = 0.0
        self._idle_timer: asyncio.TimerHandle | None = None

    def close(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @property
    def render_process_running(self) -> bool:
        return self._pool is not None

    def _stop_when_idle(self) -> None:
        """Stop the render processes if nothing was rendered for `idle_seconds`."""
        self._idle_timer = None
        if self._pool is None:
            return
        loop = asyncio.get_running_loop()
        quiet = loop.time() - self._last_render
        if self._rendering == 0 and quiet >= self.idle_seconds:
            self._pool.shutdown(wait=False)
            self._pool = None
            return
        self._idle_timer = loop.call_later(
            max(self.idle_seconds - quiet, 0.01), self._stop_when_idle
        )

    async def _render_bytes(self, document: BillingDocument, company: Company) -> bytes:
        if self.render_processes <= 0:
            # Imported on the first render (about 30 MiB and over a second of start-up).
            from pulse.billing.pdf import render_pdf

            return await asyncio.to_thread(render_pdf, document, company)
        if self._pool is None:
            # "spawn": forking a process that runs an event loop and threads is not safe.
            self._pool = ProcessPoolExecutor(
                max_workers=self.render_processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=pdf_worker.start,
            )
        loop = asyncio.get_running_loop()
        self._rendering += 1
        try:
            # With render processes the serving process never loads fpdf2.
            return await loop.run_in_executor(self._pool, pdf_worker.render, document, company)
        except BrokenProcessPool:
            # A render process died (killed, out of memory): start afresh next time; the
            # consumer retries the event.
            self.close()
            raise
        finally:
            self._rendering -= 1
            self._last_render = loop.time()
            if self._pool is not None and self._idle_timer is None:
                self._idle_timer = loop.call_later(self.idle_seconds, self._stop_when_idle)

    # -- building ------------------------------------------------------------------------
    async def _invoice_document(self, uow: UnitOfWork, invoice: Invoice) -> BillingDocument:
        lines = await uow.repo(BillingRepository).invoice_lines(invoice.id)
        return invoice_document(invoice, lines)

    async def _credit_note_document(self, uow: UnitOfWork, note: CreditNote) -> BillingDocument:
        invoice = await uow.repo(BillingRepository).get_invoice(note.invoice_id)
        assert invoice is not None
        lines = await uow.repo(BillingRepository).credit_note_lines(note.id)
        return BillingDocument(
            kind="credit_note",
            number=note.number,
            issue_date=note.issue_date,
            due_date=None,
            reference=f"Credit for invoice {invoice.number}",
            customer_name=invoice.customer_name,
            customer_email=invoice.customer_email,
            customer_address=invoice.billing_address,
            lines=_lines(lines),
            tax_lines=_tax_lines(lines),
            subtotal=note.subtotal,
            tax=note.tax,
            total=note.total,
            amount_paid=Decimal("0.00"),
            balance_due=Decimal("0.00"),
            status="issued",
            note=note.reason,
        )

    async def _render(self, uow: UnitOfWork, key: str, document: BillingDocument) -> bytes:
        # The company as it is when the document is first rendered: a settings change shows
        # on the next document, and what was already rendered (and sent) stays as it was.
        data = await self._render_bytes(document, await self.company(uow))
        await self.store.put(key, data, content_type="application/pdf")
        return data

    async def _stored(
        self, uow: UnitOfWork, key: str, document: Callable[[], Awaitable[BillingDocument]]
    ) -> bytes:
        """The PDF stored under `key`, rendered and stored first when it is not there yet."""
        if await self.store.exists(key):
            return await self.store.get(key)
        return await self._render(uow, key, await document())

    # -- serving -------------------------------------------------------------------------
    async def invoice_pdf(self, uow: UnitOfWork, invoice_id: uuid.UUID) -> tuple[str, bytes]:
        invoice = await uow.repo(BillingRepository).get_invoice(invoice_id)
        if invoice is None:
            raise NotFound(f"no invoice {invoice_id}", field="invoice_id")
        return invoice.number, await self._stored(
            uow, invoice_key(invoice), lambda: self._invoice_document(uow, invoice)
        )

    async def credit_note_pdf(
        self, uow: UnitOfWork, credit_note_id: uuid.UUID
    ) -> tuple[str, bytes]:
        note = await uow.repo(BillingRepository).get_credit_note(credit_note_id)
        if note is None:
            raise NotFound(f"no credit note {credit_note_id}", field="credit_note_id")
        return note.number, await self._stored(
            uow, credit_note_key(note), lambda: self._credit_note_document(uow, note)
        )

    # -- the `documents` consumer --------------------------------------------------------
    async def render_invoices(
        self, uow: UnitOfWork, batch: Sequence[Delivery[InvoiceIssued]]
    ) -> None:
        """Render each invoice of the batch as issued, unless its PDF is already stored (a
        redelivery, or a request got there first). The invoices and all their lines are two
        statements for the whole batch, and the renders are handed to the render processes a
        few at a time, so they render one after another while this process reads and
        stores."""
        repo = uow.repo(BillingRepository)
        # An imported invoice is rendered when someone asks for it.
        invoices = [
            invoice
            for invoice in await repo.invoices_by_id([d.event.invoice_id for d in batch])
            if invoice.source != "import"
        ]
        stored = await asyncio.gather(*(self.store.exists(invoice_key(i)) for i in invoices))
        todo = [invoice for invoice, there in zip(invoices, stored, strict=True) if not there]
        if not todo:
            return
        lines = await repo.lines_of_invoices([invoice.id for invoice in todo])
        company = await self.company(uow)
        # A few renders queued per render process keep it busy while this process reads and
        # stores, and a PDF someone asks for meanwhile waits behind those few, not the batch.
        pipeline = asyncio.Semaphore(PIPELINE_PER_PROCESS * max(1, self.render_processes))

        async def render(invoice: Invoice) -> None:
            document = invoice_document(invoice, lines[invoice.id])
            async with pipeline:
                data = await self._render_bytes(document, company)
            await self.store.put(invoice_key(invoice), data, content_type="application/pdf")

        # Every render is awaited before a failure is raised: none is left running behind
        # the batch, whose halves the runner then tries again.
        results = await asyncio.gather(*(render(i) for i in todo), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def render_credit_note(
        self, uow: UnitOfWork, event: CreditNoteIssued, envelope: Envelope
    ) -> None:
        note = await uow.repo(BillingRepository).get_credit_note(event.credit_note_id)
        if note is None:
            return
        key = credit_note_key(note)
        if not await self.store.exists(key):
            await self._render(uow, key, await self._credit_note_document(uow, note))
