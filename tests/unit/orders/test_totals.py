"""Order totals computed by `place_order`, run with a fake unit of work and no database:
half-up to the cent on every line, totals are sums of rounded lines, never floats."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulse.inventory import CatalogueLine
from pulse.orders import OrderPlaced, service
from pulse.orders.schemas import OrderCreate
from pulse.platform.errors import Forbidden, InvalidInput

CENT = Decimal("0.01")


class FakeUow:
    actor = "clerk-1"

    def __init__(self) -> None:
        self.session = object()
        self.events: list[Any] = []

    def emit(self, event: Any) -> None:
        self.events.append(event)

    def after_commit(self, callback: Any) -> None:
        """Never called: a unit test commits nothing."""


class Fakes:
    """Stand-ins for the SQL the use case would run; `inserted` records what it writes."""

    def __init__(self, patch: pytest.MonkeyPatch) -> None:
        self.products: dict[str, CatalogueLine] = {}
        self.inserted: dict[str, Any] = {}
        patch.setattr(service, "catalogue_lines", self.catalogue_lines)
        patch.setattr(service, "next_number", self.next_number)
        patch.setattr(service.repo, "customer_exists", self.customer_exists)
        patch.setattr(service.repo, "insert_placed", self.insert_placed)

    async def catalogue_lines(self, uow: Any, skus: Any) -> dict[str, CatalogueLine]:
        return {sku: self.products[sku] for sku in skus if sku in self.products}

    async def customer_exists(self, session: Any, customer_id: uuid.UUID) -> bool:
        return True

    async def next_number(self, uow: Any, series: str, *, gapless: bool = True) -> str:
        return "SO-000042"

    async def insert_placed(self, session: Any, order: tuple, lines: list, history: tuple) -> None:
        self.inserted.update(order=order, lines=lines, history=history)


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Fakes:
    return Fakes(monkeypatch)


def product(sku: str, price: str, rate: str) -> CatalogueLine:
    return CatalogueLine(
        sku=sku, name=sku.title(), price=Decimal(price), tax_rate=Decimal(rate), active=True
    )


async def place(items: list[dict[str, Any]], *, override: bool = False) -> tuple[Any, FakeUow]:
    uow = FakeUow()
    data = OrderCreate(customer_id=uuid.uuid4(), items=items)
    return await service.place_order(uow, data, can_override_price=override), uow  # type: ignore[arg-type]


async def test_half_up_per_line_not_on_the_sum(fakes: Fakes) -> None:
    # Three lines whose tax is exactly half a cent each: 0.05 × 10 % = 0.005.
    fakes.products["A"] = product("A", "0.05", "0.1000")
    fakes.products["B"] = product("B", "0.05", "0.1000")
    fakes.products["C"] = product("C", "0.05", "0.1000")
    order, uow = await place([{"sku": s, "qty": 1} for s in "ABC"])
    assert [line.line_tax for line in order.lines] == [CENT] * 3
    assert order.tax == Decimal("0.03")  # rounding the summed 0.015 once would give 0.02
    assert order.subtotal == Decimal("0.15")
    assert order.total == Decimal("0.18")
    event = uow.events[0]
    assert isinstance(event, OrderPlaced)
    assert (event.subtotal, event.tax, event.total) == (order.subtotal, order.tax, order.total)


async def test_half_up_differs_from_bankers_rounding(fakes: Fakes) -> None:
    fakes.products["A"] = product("A", "0.25", "0.1000")  # 0.025 tax
    order, _ = await place([{"sku": "A", "qty": 1}])
    assert order.lines[0].line_tax == Decimal("0.03")
    assert Decimal("0.025").quantize(CENT, rounding=ROUND_HALF_EVEN) == Decimal("0.02")


async def test_price_defaults_to_the_catalogue_and_override_needs_permission(
    fakes: Fakes,
) -> None:
    fakes.products["A"] = product("A", "19.99", "0.2000")
    order, _ = await place([{"sku": "A", "qty": 3}])
    assert order.lines[0].unit_price == Decimal("19.99")
    assert order.lines[0].line_total == Decimal("59.97")
    with pytest.raises(Forbidden):
        await place([{"sku": "A", "qty": 1, "price": "15.00"}])
    same, _ = await place([{"sku": "A", "qty": 1, "price": "19.990"}])
    assert same.lines[0].unit_price == Decimal("19.99")
    cheaper, _ = await place([{"sku": "A", "qty": 2, "price": "15.00"}], override=True)
    assert cheaper.subtotal == Decimal("30.00")
    assert cheaper.tax == Decimal("6.00")


async def test_a_total_beyond_the_money_column_is_refused(fakes: Fakes) -> None:
    fakes.products["A"] = product("A", "999999999.99", "1.0000")
    with pytest.raises(InvalidInput) as refused:
        await place([{"sku": "A", "qty": 1000}])
    assert refused.value.code == "amount_too_large"
    assert fakes.inserted == {}


async def test_unknown_and_inactive_skus_name_the_line(fakes: Fakes) -> None:
    fakes.products["A"] = product("A", "1.00", "0")
    fakes.products["OFF"] = CatalogueLine("OFF", "Off", Decimal("1"), Decimal("0"), active=False)
    with pytest.raises(InvalidInput) as unknown:
        await place([{"sku": "A", "qty": 1}, {"sku": "NOPE", "qty": 1}])
    assert (unknown.value.code, unknown.value.field) == ("unknown_sku", "items.1.sku")
    with pytest.raises(InvalidInput) as inactive:
        await place([{"sku": "OFF", "qty": 1}])
    assert inactive.value.code == "inactive_sku"


prices = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
rates = st.decimals(min_value=0, max_value=1, places=4)
lines = st.lists(st.tuples(prices, rates, st.integers(1, 1000)), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(lines)
async def test_totals_are_exact_sums_of_half_up_lines(
    generated: list[tuple[Decimal, Decimal, int]],
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        fakes = Fakes(patch)
        for i, (price, rate, _) in enumerate(generated):
            fakes.products[f"P{i}"] = product(f"P{i}", str(price), str(rate))
        order, _ = await place(
            [{"sku": f"P{i}", "qty": qty} for i, (_, _, qty) in enumerate(generated)]
        )
    for line, (price, rate, qty) in zip(order.lines, generated, strict=True):
        assert line.line_total == (price * qty).quantize(CENT, rounding=ROUND_HALF_UP)
        assert line.line_tax == (line.line_total * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    assert order.subtotal == sum(line.line_total for line in order.lines)
    assert order.tax == sum(line.line_tax for line in order.lines)
    assert order.total == order.subtotal + order.tax
    for amount in (order.subtotal, order.tax, order.total):
        assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2
