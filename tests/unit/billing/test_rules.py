"""Billing's pure rules: line rounding, tax lines, the status an invoice is left in, and the
ledger refusing an unbalanced entry — without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulse.billing import ledger
from pulse.billing.rules import Line, status_after, tax_lines

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


class FakeUow:
    """Enough of a unit of work for `ledger.post`: the roles and an insert that records."""

    actor = "test"

    def __init__(self) -> None:
        self.session = SimpleNamespace()
        self.inserted: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeUow:
    uow = FakeUow()
    roles = {ledger.RECEIVABLES: "1100", ledger.REVENUE: "4000", ledger.TAX_PAYABLE: "2100"}

    async def codes(session: Any) -> dict[str, str]:
        return roles

    async def insert(session: Any, entry: dict[str, Any], lines: list[dict[str, Any]]) -> int:
        uow.inserted.append((entry, lines))
        return len(uow.inserted)

    monkeypatch.setattr(ledger.ledger_repo, "account_codes_by_role", codes)
    monkeypatch.setattr(ledger.ledger_repo, "insert_entry", insert)
    return uow


async def _post(uow: FakeUow, *postings: tuple[str, Decimal, Decimal]) -> int | None:
    return await ledger.post(
        uow,  # type: ignore[arg-type]
        entry_date=date(2026, 11, 23),
        description="test",
        source_type="invoice",
        source_id="x",
        postings=postings,
    )


async def test_post_books_a_balanced_entry_without_zero_lines(fake: FakeUow) -> None:
    entry_id = await _post(
        fake,
        ledger.debit(ledger.RECEIVABLES, D("12.00")),
        ledger.credit(ledger.REVENUE, D("10.00")),
        ledger.credit(ledger.TAX_PAYABLE, D("2.00")),
        ledger.credit(ledger.TAX_PAYABLE, D("0.00")),
    )
    assert entry_id == 1
    (_, lines) = fake.inserted[0]
    assert sorted((x["account_code"], x["debit"], x["credit"]) for x in lines) == [
        ("1100", D("12.00"), D("0.00")),
        ("2100", D("0.00"), D("2.00")),
        ("4000", D("0.00"), D("10.00")),
    ]


async def test_post_refuses_an_unbalanced_entry(fake: FakeUow) -> None:
    with pytest.raises(ledger.UnbalancedEntry):
        await _post(
            fake,
            ledger.debit(ledger.RECEIVABLES, D("12.00")),
            ledger.credit(ledger.REVENUE, D("10.00")),
        )
    with pytest.raises(ledger.UnbalancedEntry):
        await _post(fake, ledger.debit(ledger.RECEIVABLES, D("-1.00")))
    assert fake.inserted == []


async def test_post_of_nothing_books_nothing(fake: FakeUow) -> None:
    assert await _post(fake, ledger.debit(ledger.RECEIVABLES, D("0"))) is None
    assert fake.inserted == []
