"""The relay outlives its NATS server: rows written while the server is down stay unpublished,
and once it is back every event is published exactly once and every order settles."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pulse.bootstrap import Container
from pulse.platform.bus import nats_relay
from tests.integration.bus import support

pytestmark = pytest.mark.parametrize("bus_kind", ["nats"])


@pytest.fixture
def nats_url(own_nats: support.NatsServer) -> str:
    return own_nats.url


async def _statuses(client: httpx.AsyncClient, ids: list[str]) -> list[str]:
    return [await support.status_of(client, order_id) for order_id in ids]


async def test_relay_survives_a_nats_restart(
    container: Container, client: httpx.AsyncClient, own_nats: support.NatsServer
) -> None:
    customer = await support.make_customer_and_product(client, sku="RESTART-1", qty=100)
    before = [await support.place(client, customer, "RESTART-1", 2) for _ in range(3)]
    assert await container.bus.drain(timeout=20)
    assert await _statuses(client, before) == ["invoiced"] * 3

    own_nats.kill()
    during = [await support.place(client, customer, "RESTART-1", 2) for _ in range(5)]
    await asyncio.sleep(0.5)
    # The orders are stored, their events wait in the outbox, nothing was lost or confirmed.
    assert await support.unpublished(container) >= len(during)
    assert await _statuses(client, during) == ["placed"] * 5
    assert not await container.bus.ready()

    own_nats.start()
    assert await container.bus.drain(timeout=30), "the bus did not recover"

    assert await _statuses(client, before + during) == ["invoiced"] * 8
    assert await support.unpublished(container) == 0
    events = await support.scalar(container, "SELECT count(*) FROM outbox")
    assert await support.stream_messages(container.settings) == events
    stock = (await client.get("/inventory/RESTART-1")).json()
    assert stock["reserved_qty"] == 16
    assert await container.bus.ready()


async def test_rows_stay_unpublished_until_the_server_acks(
    container: Container,
    client: httpx.AsyncClient,
    own_nats: support.NatsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nats_relay, "PUBLISH_ACK_TIMEOUT_SECONDS", 0.5)
    customer = await support.make_customer_and_product(client, sku="HANG-1", qty=100)
    assert await container.bus.drain(timeout=20)

    # The connection stays up, so the relay does publish; no ack ever comes back.
    own_nats.freeze()
    hung = [await support.place(client, customer, "HANG-1", 1) for _ in range(4)]
    await asyncio.sleep(1.5)
    assert await support.unpublished(container) >= len(hung)

    # What sat in the dead server's socket buffers is gone; the relay sends it again.
    own_nats.kill()
    own_nats.start()
    assert await container.bus.drain(timeout=30), "the bus did not recover"
    assert await _statuses(client, hung) == ["invoiced"] * 4
    events = await support.scalar(container, "SELECT count(*) FROM outbox")
    assert await support.stream_messages(container.settings) == events
