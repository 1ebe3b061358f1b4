"""Receiving, adjusting, low stock and the product rules of inventory — without a database."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from pulse.inventory import service
from pulse.inventory.events import ProductCreated, ProductUpdated, StockChanged
from pulse.inventory.repository import MAX_COUNT, InventoryRepository
from pulse.inventory.reservations import Request, reserve_orders
from pulse.inventory.schemas import ProductCreate, ProductUpdate
from pulse.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from pulse.platform.numbering import NumberSeriesRepository
from tests.fakes import FakeUnitOfWork, InMemoryNumbers, assert_stands_in_for
from tests.unit.inventory.memory import InMemoryInventory


def test_the_in_memory_repository_answers_every_method_as_the_real_one_does() -> None:
    assert_stands_in_for(InMemoryInventory, InventoryRepository)
    assert_stands_in_for(InMemoryNumbers, NumberSeriesRepository)


async def test_receiving_adds_to_on_hand_with_a_movement_and_an_event(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 3, reserved=2)
    read = await service.change_on_hand(uow, "CAM", delta=5, kind="receipt", reason="PO-1")
    assert (read.qty_on_hand, read.reserved_qty, read.available) == (8, 2, 6)
    assert stock.figures("CAM") == (8, 2)
    (row,) = stock.movement_rows
    assert (row["kind"], row["qty"], row["on_hand_after"], row["reserved_after"]) == (
        "receipt",
        5,
        8,
        2,
    )
    assert (row["reason"], row["actor"]) == ("PO-1", "clerk-1")
    assert uow.events == [
        StockChanged(
            sku="CAM", kind="receipt", delta=5, qty_on_hand=8, reserved_qty=2, reason="PO-1"
        )
    ]


async def test_an_adjustment_never_takes_on_hand_below_what_is_reserved(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 5, reserved=3)
    with pytest.raises(Conflict) as refused:
        await service.change_on_hand(uow, "CAM", delta=-3, kind="adjustment", reason="broken")
    assert refused.value.code == "insufficient_stock"
    assert "5 on hand, 3 reserved" in str(refused.value.detail)
    assert stock.figures("CAM") == (5, 3)
    assert uow.events == [] and stock.movement_rows == []
    # Down to exactly what is reserved is allowed.
    read = await service.change_on_hand(uow, "CAM", delta=-2, kind="adjustment", reason="count")
    assert (read.qty_on_hand, read.available) == (3, 0)


async def test_receiving_past_the_largest_count_is_bad_input(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", MAX_COUNT - 1)
    with pytest.raises(InvalidInput) as refused:
        await service.change_on_hand(uow, "CAM", delta=2, kind="receipt", reason="")
    assert (refused.value.code, refused.value.field) == ("quantity_too_large", "qty")
    assert stock.figures("CAM") == (MAX_COUNT - 1, 0) and uow.events == []


async def test_a_change_to_an_unknown_sku_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await service.change_on_hand(uow, "NOPE", delta=1, kind="receipt", reason="")
    assert uow.events == []


async def test_low_stock_is_available_at_or_below_the_reorder_point(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 10, reorder_point=3)
    stock.stock("LENS", 10, reorder_point=3)
    assert not (await service.get_stock(uow, "CAM")).low_stock
    await reserve_orders(uow, [Request(uuid.uuid4(), [("CAM", 6)])])
    assert not (await service.get_stock(uow, "CAM")).low_stock  # 4 available
    await reserve_orders(uow, [Request(uuid.uuid4(), [("CAM", 1)])])
    assert (await service.get_stock(uow, "CAM")).low_stock  # 3 available
    page = await service.list_stock(uow, q=None, low_only=True, limit=10, offset=0)
    assert [item.sku for item in page.items] == ["CAM"] and page.total == 1


async def test_a_new_product_records_its_opening_stock(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    data = ProductCreate(sku="CAM-1", name="Camera", price=Decimal("399.00"), qty_on_hand=7)
    read = await service.create_product(uow, data)
    assert (read.qty_on_hand, read.available, read.price) == (7, 7, Decimal("399.00"))
    assert stock.figures("CAM-1") == (7, 0)
    ((kind, qty, reason),) = [(m["kind"], m["qty"], m["reason"]) for m in stock.movement_rows]
    assert (kind, qty, reason) == ("receipt", 7, "opening stock")
    (created,) = uow.of_type(ProductCreated)
    assert (created.sku, created.qty_on_hand) == ("CAM-1", 7)
    with pytest.raises(Conflict) as again:
        await service.create_product(uow, data)
    assert again.value.code == "duplicate_sku"
    with pytest.raises(Forbidden):
        await service.create_product(
            uow, ProductCreate(sku="CAM-2", name="Camera", price=Decimal("1")), can_price=False
        )
    assert not await stock.exists("CAM-2")


async def test_repricing_needs_the_pricing_permission_and_an_unchanged_price_does_not(
    uow: FakeUnitOfWork, stock: InMemoryInventory
) -> None:
    stock.stock("CAM", 1)  # priced 10.00
    with pytest.raises(Forbidden):
        await service.update_product(
            uow, "CAM", ProductUpdate(price=Decimal("12.00")), can_price=False, can_edit=True
        )
    assert stock.products["CAM"].price == Decimal("10.00") and uow.events == []
    read = await service.update_product(
        uow,
        "CAM",
        ProductUpdate(price=Decimal("10.00"), name="Camera II"),
        can_price=False,
        can_edit=True,
    )
    assert (read.name, read.price) == ("Camera II", Decimal("10.00"))
    (updated,) = uow.of_type(ProductUpdated)
    assert updated.changes == {"price": "10.00", "name": "Camera II"}
    with pytest.raises(Forbidden):
        await service.update_product(
            uow, "CAM", ProductUpdate(reorder_point=5), can_price=True, can_edit=False
        )
    assert stock.levels["CAM"].reorder_point == 0
