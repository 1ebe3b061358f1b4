"""Placing an order, run with the fake unit of work and in-memory repositories: totals
half-up to the cent on every line and sums of rounded lines, never floats; what is written
and emitted; a customer that does not exist."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulse.inventory.repository import InventoryRepository
from pulse.orders import OrderPlaced, service
from pulse.orders.repository import OrdersRepository
from pulse.orders.schemas import OrderCreate, OrderRead
from pulse.platform.errors import Forbidden, InvalidInput
from pulse.platform.numbering import NumberSeriesRepository
from tests.fakes import FakeUnitOfWork, InMemoryNumbers, assert_stands_in_for
from tests.unit.inventory.memory import InMemoryInventory
from tests.unit.orders.memory import InMemoryOrders

CENT = Decimal("0.01")


class Shop:
    """A catalogue and a customer in memory, and a unit of work over them."""

    def __init__(self) -> None:
        self.stock = InMemoryInventory()
        self.orders = InMemoryOrders()
        self.numbers = InMemoryNumbers()
        self.customer_id = self.orders.customer()

    def product(self, sku: str, price: str, rate: str, *, active: bool = True) -> None:
        self.stock.stock(sku, price=price, tax_rate=rate, active=active)

    async def place(
        self, items: list[dict[str, Any]], *, override: bool = False
    ) -> tuple[OrderRead, FakeUnitOfWork]:
        uow = FakeUnitOfWork(
            {
                InventoryRepository: self.stock,
                OrdersRepository: self.orders,
                NumberSeriesRepository: self.numbers,
            },
            actor="clerk-1",
        )
        data = OrderCreate(customer_id=self.customer_id, items=items)
        return await service.place_order(uow, data, can_override_price=override), uow


@pytest.fixture
def shop() -> Shop:
    return Shop()


async def test_half_up_per_line_not_on_the_sum(shop: Shop) -> None:
    # Three lines whose tax is exactly half a cent each: 0.05 × 10 % = 0.005.
    shop.product("A", "0.05", "0.1000")
    shop.product("B", "0.05", "0.1000")
    shop.product("C", "0.05", "0.1000")
    order, uow = await shop.place([{"sku": s, "qty": 1} for s in "ABC"])
    assert [line.line_tax for line in order.lines] == [CENT] * 3
    assert order.tax == Decimal("0.03")  # rounding the summed 0.015 once would give 0.02
    assert order.subtotal == Decimal("0.15")
    assert order.total == Decimal("0.18")
    event = uow.events[0]
    assert isinstance(event, OrderPlaced)
    assert (event.subtotal, event.tax, event.total) == (order.subtotal, order.tax, order.total)


async def test_half_up_differs_from_bankers_rounding(shop: Shop) -> None:
    shop.product("A", "0.25", "0.1000")  # 0.025 tax
    order, _ = await shop.place([{"sku": "A", "qty": 1}])
    assert order.lines[0].line_tax == Decimal("0.03")
    assert Decimal("0.025").quantize(CENT, rounding=ROUND_HALF_EVEN) == Decimal("0.02")


async def test_price_defaults_to_the_catalogue_and_override_needs_permission(
    shop: Shop,
) -> None:
    shop.product("A", "19.99", "0.2000")
    order, _ = await shop.place([{"sku": "A", "qty": 3}])
    assert order.lines[0].unit_price == Decimal("19.99")
    assert order.lines[0].line_total == Decimal("59.97")
    with pytest.raises(Forbidden):
        await shop.place([{"sku": "A", "qty": 1, "price": "15.00"}])
    same, _ = await shop.place([{"sku": "A", "qty": 1, "price": "19.990"}])
    assert same.lines[0].unit_price == Decimal("19.99")
    cheaper, _ = await shop.place([{"sku": "A", "qty": 2, "price": "15.00"}], override=True)
    assert cheaper.subtotal == Decimal("30.00")
    assert cheaper.tax == Decimal("6.00")


async def test_a_total_beyond_the_money_column_is_refused(shop: Shop) -> None:
    shop.product("A", "999999999.99", "1.0000")
    with pytest.raises(InvalidInput) as refused:
        await shop.place([{"sku": "A", "qty": 1000}])
    assert refused.value.code == "amount_too_large"
    assert shop.orders.orders == {}


async def test_unknown_and_inactive_skus_name_the_line(shop: Shop) -> None:
    shop.product("A", "1.00", "0")
    shop.product("OFF", "1", "0", active=False)
    with pytest.raises(InvalidInput) as unknown:
        await shop.place([{"sku": "A", "qty": 1}, {"sku": "NOPE", "qty": 1}])
    assert (unknown.value.code, unknown.value.field) == ("unknown_sku", "items.1.sku")
    with pytest.raises(InvalidInput) as inactive:
        await shop.place([{"sku": "OFF", "qty": 1}])
    assert inactive.value.code == "inactive_sku"


prices = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
rates = st.decimals(min_value=0, max_value=1, places=4)
lines = st.lists(st.tuples(prices, rates, st.integers(1, 1000)), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(lines)
async def test_totals_are_exact_sums_of_half_up_lines(
    generated: list[tuple[Decimal, Decimal, int]],
) -> None:
    shop = Shop()
    for i, (price, rate, _) in enumerate(generated):
        shop.product(f"P{i}", str(price), str(rate))
    order, _ = await shop.place(
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


def test_the_in_memory_orders_answer_as_the_real_repository_does() -> None:
    assert_stands_in_for(InMemoryOrders, OrdersRepository, whole=False)


async def test_the_order_is_written_numbered_and_announced_as_placed(shop: Shop) -> None:
    shop.product("A", "2.50", "0.2000")
    order, uow = await shop.place([{"sku": "A", "qty": 4}])
    (row,) = shop.orders.orders.values()
    assert (row["id"], row["number"], row["status"], row["total"]) == (
        order.id,
        "SO-000001",
        "placed",
        Decimal("12.00"),
    )
    assert (row["customer_id"], row["created_by"]) == (shop.customer_id, "clerk-1")
    assert [(x["line_no"], x["sku"], x["line_total"]) for x in shop.orders.lines] == [
        (1, "A", Decimal("10.00"))
    ]
    assert [(h["from_status"], h["to_status"]) for h in shop.orders.history] == [(None, "placed")]
    (placed,) = uow.events
    assert isinstance(placed, OrderPlaced)
    assert (placed.order_id, placed.number, placed.total) == (order.id, "SO-000001", order.total)
    assert [(x.sku, x.qty) for x in placed.lines] == [("A", 4)]
    # The first work took a block of numbers and did not commit: none of it is used again.
    second, _ = await shop.place([{"sku": "A", "qty": 1}])
    assert second.number == "SO-000101"


async def test_an_unknown_customer_is_bad_input_and_writes_nothing(shop: Shop) -> None:
    shop.product("A", "1.00", "0")
    shop.customer_id = uuid.uuid4()
    with pytest.raises(InvalidInput) as refused:
        await shop.place([{"sku": "A", "qty": 1}])
    assert (refused.value.code, refused.value.field) == ("unknown_customer", "customer_id")
    assert shop.orders.orders == {} and shop.orders.lines == []
