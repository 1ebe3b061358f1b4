"""The embedded bus lets a woken consumer wait `consumer_gather_seconds` for the events that
follow, so orders placed one after another share one batch (one transaction) per stage."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pulse.bootstrap import Container
from pulse.platform.settings import Settings
from tests.integration.bus import support
from tests.integration.bus.test_batches import Batches


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Long enough for three requests at once on a loaded machine.
    return settings.model_copy(update={"consumer_gather_seconds": 1.0})


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> Batches:
    return Batches(monkeypatch)


@pytest.mark.parametrize("bus_kind", ["embedded"], indirect=True)
async def test_orders_placed_one_after_another_share_a_batch(
    container: Container, client: httpx.AsyncClient, batches: Batches, bus_kind: str
) -> None:
    customer = await support.make_customer_and_product(client, sku="GATHER-1", qty=10)
    assert await container.bus.drain(timeout=30)
    batches.sizes.clear()
    # Sent together: the first commit wakes the consumer, the others land in its wait.
    ids = await asyncio.gather(*(support.place(client, customer, "GATHER-1", 1) for _ in range(3)))
    assert await container.bus.drain(timeout=30)

    assert batches.sizes == [3]
    assert [await support.status_of(client, order_id) for order_id in ids] == ["invoiced"] * 3
