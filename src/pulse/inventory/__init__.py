"""Inventory: the product catalogue, stock levels, reservations and stock movements.

Public surface for other modules: the event classes and `catalogue_lines` for a
synchronous price lookup, `for_sale` to refuse a SKU that is unknown or not for sale;
`read_stock_metrics` for the metrics endpoint.
"""

from pulse.inventory.events import (
    EVENTS,
    ProductCreated,
    ProductUpdated,
    StockChanged,
    StockReleased,
    StockReservationFailed,
    StockReserved,
)
from pulse.inventory.metrics import read_stock_metrics
from pulse.inventory.service import CatalogueLine, catalogue_lines, for_sale

__all__ = [
    "EVENTS",
    "CatalogueLine",
    "ProductCreated",
    "ProductUpdated",
    "StockChanged",
    "StockReleased",
    "StockReservationFailed",
    "StockReserved",
    "catalogue_lines",
    "for_sale",
    "read_stock_metrics",
]
