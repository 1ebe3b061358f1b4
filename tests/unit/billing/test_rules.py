"""Billing's pure rules: line rounding, tax lines, the status an invoice is left in, and the
ledger booking balanced entries and refusing unbalanced ones — without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulse.billing import ledger
from pulse.billing.ledger_repository import LedgerRepository
from pulse.billing.rules import Line, status_after, tax_lines
from tests.fakes import FakeUnitOfWork, assert_stands_in_for
from tests.unit.billing.memory import InMemoryLedger

D = Decimal


def test_line_rounds_half_up_per_line() -> None:
    line = Line(None, "Labour", D("1.5"), D("33.33"), D("0.2"))
    assert line.line_total == D("50.00")  # 49.995
    assert line.line_tax == D("10.00")
    assert Line(None, "x", D("3"), D("4.50"), D("0.07")).line_tax == D("0.95")  # 0.945


def test_tax_lines_group_by_rate_and_sum_the_lines() -> None:
    lines = [
        Line("A", "a", D("1"), D("0.05"), D("0.2")),  # tax 0.01
        Line("B", "b", D("1"), D("0.05"), D("0.2")),  # tax 0.01 (0.02 on the sum would be 0.02)
        Line("C", "c", D("2"), D("10"), D("0")),
    ]
    rows = tax_lines(lines)
    assert [(r.rate, r.base, r.tax) for r in rows] == [
        (D("0"), D("20.00"), D("0.00")),
        (D("0.2"), D("0.10"), D("0.02")),
    ]


@given(
    prices=st.lists(st.decimals("0.00", "9999.99", places=2), min_size=1, max_size=20),
    rate=st.sampled_from([D("0"), D("0.07"), D("0.2"), D("0.255")]),
)
def test_tax_line_totals_equal_the_sum_of_lines(prices: list[Decimal], rate: Decimal) -> None:
    lines = [Line(None, "x", D("1"), p, rate) for p in prices]
    (row,) = tax_lines(lines)
    assert row.base == sum(x.line_total for x in lines)
    assert row.tax == sum(x.line_tax for x in lines)


@pytest.mark.parametrize(
    ("paid", "credited", "balance", "expected"),
    [
        ("0", "0", "100", "issued"),
        ("40", "0", "60", "partially_paid"),
        ("100", "0", "0", "paid"),
        ("0", "30", "70", "issued"),
        ("60", "40", "0", "paid"),  # the credit covered the rest of a part-paid invoice
        ("0", "100", "0", "credited"),
        ("100", "100", "0", "credited"),  # paid, then credited in full: a refund is owed
    ],
)
def test_status_after(paid: str, credited: str, balance: str, expected: str) -> None:
    assert (
        status_after(total=D("100"), paid=D(paid), credited=D(credited), balance=D(balance))
        == expected
    )


def test_a_zero_invoice_is_paid_at_once() -> None:
    assert status_after(total=D("0"), paid=D("0"), credited=D("0"), balance=D("0")) == "paid"


@pytest.fixture
def books() -> InMemoryLedger:
    return InMemoryLedger()


@pytest.fixture
def uow(books: InMemoryLedger) -> FakeUnitOfWork:
    return FakeUnitOfWork({LedgerRepository: books})


def test_the_in_memory_ledger_answers_as_the_real_repository_does() -> None:
    assert_stands_in_for(InMemoryLedger, LedgerRepository, whole=False)


async def _post(uow: FakeUnitOfWork, *postings: tuple[str, Decimal, Decimal]) -> int | None:
    return await ledger.post(
        uow,
        entry_date=date(2026, 11, 23),
        description="test",
        source_type="invoice",
        source_id="x",
        postings=postings,
    )


async def test_post_books_a_balanced_entry_without_zero_lines(
    uow: FakeUnitOfWork, books: InMemoryLedger
) -> None:
    entry_id = await _post(
        uow,
        ledger.debit(ledger.RECEIVABLES, D("12.00")),
        ledger.credit(ledger.REVENUE, D("10.00")),
        ledger.credit(ledger.TAX_PAYABLE, D("2.00")),
        ledger.credit(ledger.TAX_PAYABLE, D("0.00")),
    )
    assert entry_id == 1
    assert books.entries[1]["created_by"] == "test"
    assert books.lines_of(1) == [
        ("1100", D("12.00"), D("0.00")),
        ("2100", D("0.00"), D("2.00")),
        ("4000", D("0.00"), D("10.00")),
    ]


async def test_post_refuses_an_unbalanced_entry(uow: FakeUnitOfWork, books: InMemoryLedger) -> None:
    with pytest.raises(ledger.UnbalancedEntry):
        await _post(
            uow,
            ledger.debit(ledger.RECEIVABLES, D("12.00")),
            ledger.credit(ledger.REVENUE, D("10.00")),
        )
    with pytest.raises(ledger.UnbalancedEntry):
        await _post(uow, ledger.debit(ledger.RECEIVABLES, D("-1.00")))
    assert books.entries == {}


async def test_post_of_nothing_books_nothing(uow: FakeUnitOfWork, books: InMemoryLedger) -> None:
    assert await _post(uow, ledger.debit(ledger.RECEIVABLES, D("0"))) is None
    assert books.entries == {}


async def test_post_many_books_each_balanced_entry_by_whoever_booked_it(
    uow: FakeUnitOfWork, books: InMemoryLedger
) -> None:
    sale = ledger.Posting(
        entry_date=date(2026, 11, 23),
        description="Invoice INV-000001",
        source_type="invoice",
        source_id="a",
        postings=[
            ledger.debit(ledger.RECEIVABLES, D("5.00")),
            ledger.credit(ledger.REVENUE, D("5.00")),
        ],
    )
    nothing = sale._replace(source_id="b", postings=[ledger.debit(ledger.RECEIVABLES, D("0"))])
    receipt = sale._replace(
        source_type="payment",
        source_id="c",
        postings=[
            ledger.debit(ledger.BANK, D("5.00")),
            ledger.credit(ledger.RECEIVABLES, D("5.00")),
        ],
    )
    booked = await ledger.post_many(uow, [sale, nothing, receipt], created_by=["web", "x", "till"])
    assert booked == 2
    assert [(e["source_id"], e["created_by"]) for e in books.entries.values()] == [
        ("a", "web"),
        ("c", "till"),
    ]
    assert books.lines_of(2) == [("1000", D("5.00"), D("0.00")), ("1100", D("0.00"), D("5.00"))]
    with pytest.raises(ValueError, match="one created_by per entry"):
        await ledger.post_many(uow, [sale], created_by=[])
