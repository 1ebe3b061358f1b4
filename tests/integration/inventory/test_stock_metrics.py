"""`pulse_stock_low_products` on /metrics: what the low-stock alert reads."""

from __future__ import annotations

import re

import httpx

from tests.integration.inventory.factories import make_product


async def low_stock_gauge(client: httpx.AsyncClient) -> float:
    response = await client.get("/metrics")
    assert response.status_code == 200
    found = re.search(r"^pulse_stock_low_products (\S+)$", response.text, re.MULTILINE)
    assert found, "pulse_stock_low_products is not on /metrics"
    return float(found.group(1))


async def test_the_gauge_counts_active_products_at_or_below_their_reorder_point(
    client: httpx.AsyncClient,
) -> None:
    assert await low_stock_gauge(client) == 0

    await make_product(client, qty_on_hand=3, reorder_point=5)
    await make_product(client, qty_on_hand=5, reorder_point=5)
    plenty = await make_product(client, qty_on_hand=50, reorder_point=5)
    await make_product(client, qty_on_hand=0, reorder_point=5, active=False)
    assert await low_stock_gauge(client) == 2

    # Reserved units are not available: a big hold makes a full shelf low.
    held = await client.post(f"/inventory/{plenty['sku']}/reserve", json={"qty": 46})
    assert held.status_code < 300, held.text
    assert await low_stock_gauge(client) == 3
