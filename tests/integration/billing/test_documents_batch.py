"""The `documents` consumer renders a whole batch of issued invoices at once: the invoices and
their lines are read in a constant number of statements, every PDF is the one the
one-at-a-time path renders, what is already stored is not rendered again (a redelivered
batch writes nothing), and one invoice that fails to render leaves the others stored. On
SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from pulse.billing import InvoiceIssued
from pulse.billing.documents import PIPELINE_PER_PROCESS, Documents, fixed_company
from pulse.billing.pdf_model import BillingDocument, Company
from pulse.platform.consumers import Delivery
from pulse.platform.storage import LocalObjectStore
from tests.integration.billing.test_batch import (  # the same world: orders, invoices
    Statements,
    World,
    confirmed_orders,
    invoice_batch,
    world,  # noqa: F401 - the fixture
)

COMPANY = Company("Bench Ltd", "1 Street", "", "", "EUR")


class CountingStore(LocalObjectStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.puts: list[str] = []

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self.puts.append(key)
        await super().put(key, data, content_type=content_type)


async def issued(shop: World, count: int) -> list[Delivery[InvoiceIssued]]:
    emitted = await invoice_batch(shop, await confirmed_orders(shop, count))
    return [
        Delivery(InvoiceIssued.model_validate(e.payload), e)
        for e in emitted
        if e.type == InvoiceIssued.type
    ]


async def render(shop: World, documents: Documents, batch: Any) -> None:
    async with shop.uow(readonly=True) as uow:
        await documents.render_invoices(uow, batch)


async def test_a_batch_renders_every_invoice_as_one_at_a_time_would(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    small, large = await issued(world, 3), await issued(world, 24)
    store = CountingStore(tmp_path / "batch")
    documents = Documents(store, fixed_company(COMPANY))
    counter = Statements(world.db)
    before = counter.count
    await render(world, documents, small)
    for_small = counter.count - before
    before = counter.count
    await render(world, documents, large)
    for_large = counter.count - before
    assert for_large == for_small, (for_small, for_large)  # one at a time: 2 per invoice
    assert for_small <= 4, for_small

    single = Documents(LocalObjectStore(tmp_path / "single"), fixed_company(COMPANY))
    async with world.uow(readonly=True) as uow:
        for delivery in [*small, *large]:
            number, pdf = await single.invoice_pdf(uow, delivery.event.invoice_id)
            assert number == delivery.event.number
            key = f"invoices/{number}/r1.pdf"
            assert await store.get(key) == pdf
    assert sorted(store.puts) == sorted(
        f"invoices/{d.event.number}/r1.pdf" for d in [*small, *large]
    )

    # Redelivered, or already rendered on request: nothing is rendered or written again.
    store.puts.clear()
    await render(world, documents, [*large, *small])
    assert store.puts == []


class FailsOne(Documents):
    def __init__(self, *args: Any, failing: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failing = failing

    async def _render_bytes(self, document: BillingDocument, company: Company) -> bytes:
        if document.number == self.failing:
            raise RuntimeError(f"cannot render {document.number}")
        return await super()._render_bytes(document, company)


async def test_one_invoice_that_fails_leaves_the_others_stored(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    batch = await issued(world, 5)
    poisoned = batch[2].event.number
    store = CountingStore(tmp_path / "objects")
    documents = FailsOne(store, fixed_company(COMPANY), failing=poisoned)
    with pytest.raises(RuntimeError, match=poisoned):
        await render(world, documents, batch)
    # Every other render finished before the failure was raised: the runner's retry of the
    # batch's halves then finds them stored.
    assert sorted(store.puts) == sorted(
        f"invoices/{d.event.number}/r1.pdf" for d in batch if d.event.number != poisoned
    )
    async with world.uow(readonly=True) as uow:
        invoice = await documents.invoice_pdf(uow, batch[0].event.invoice_id)
    assert invoice[0] == batch[0].event.number


class Watched(Documents):
    """Counts the renders under way at once (each takes a moment)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = 0
        self.most = 0

    async def _render_bytes(self, document: BillingDocument, company: Company) -> bytes:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(0.01)
            return await super()._render_bytes(document, company)
        finally:
            self.now -= 1


async def test_a_batch_keeps_only_a_few_renders_under_way(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A PDF someone asks for during a large batch waits behind a few renders, not the batch."""
    batch = await issued(world, 12)
    documents = Watched(LocalObjectStore(tmp_path / "objects"), fixed_company(COMPANY))
    await render(world, documents, batch)
    assert documents.most == PIPELINE_PER_PROCESS  # render_processes=0 counts as one
    for delivery in batch:
        assert await documents.store.exists(f"invoices/{delivery.event.number}/r1.pdf")
