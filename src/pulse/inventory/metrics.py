"""The stock figure Prometheus alerts on (low stock), read when `/metrics` is scraped."""

from __future__ import annotations

from prometheus_client import Gauge

from pulse.inventory.repository import InventoryRepository
from pulse.platform.uow import UnitOfWork

LOW_STOCK_PRODUCTS = Gauge(
    "pulse_stock_low_products",
    "Active products whose available stock is at or below their reorder point",
)


async def read_stock_metrics(uow: UnitOfWork) -> None:
    LOW_STOCK_PRODUCTS.set(await uow.repo(InventoryRepository).count_low_stock())
