"""The JetStream source of the projector, against the real NATS server: reads by stream
sequence from any position, wakes on new messages, survives junk, keeps up with a backlog;
and the whole product feeding DuckDB over NATS."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import nats
import orjson
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig

from pulse.analytics.nats_source import NatsSource
from pulse.bootstrap import Container
from pulse.platform.events import Envelope, new_event_id, utcnow
from pulse.platform.settings import Settings
from tests import servers
from tests.conftest import ClientFor
from tests.integration.bus import support
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order


def unique_nats(settings: Settings) -> Settings:
    servers.require("NATS JetStream", *servers.nats_host_port())
    tag = uuid.uuid4().hex[:12]
    return settings.model_copy(
        update={
            "bus_url": servers.NATS_URL,
            "nats_stream": f"A{tag}",
            "nats_subject_prefix": f"a{tag}",
        }
    )


@pytest.fixture
async def nats_settings() -> AsyncIterator[Settings]:
    settings = unique_nats(Settings(data_dir="unused"))
    yield settings
    await support.delete_stream(settings.bus_url, settings.nats_stream)


@pytest.fixture
async def js(nats_settings: Settings) -> AsyncIterator[JetStreamContext]:
    """A stream like the bus's, and a connection to publish on."""
    nc: Client = await nats.connect(nats_settings.bus_url)
    context = nc.jetstream()
    await context.add_stream(
        StreamConfig(
            name=nats_settings.nats_stream,
            subjects=[f"{nats_settings.nats_subject_prefix}.>"],
            storage=StorageType.FILE,
        )
    )
    yield context
    await nc.close()


@pytest.fixture
async def source(nats_settings: Settings) -> AsyncIterator[NatsSource]:
    src = NatsSource(nats_settings)
    await src.start()
    yield src
    await src.stop()


def envelope(n: int) -> Envelope:
    return Envelope(
        id=new_event_id(),
        type="test.happened",
        aggregate_type="test",
        aggregate_id=str(n),
        occurred_at=utcnow(),
        payload={"n": n},
    )


async def publish(js: JetStreamContext, settings: Settings, count: int, first: int = 1) -> None:
    futures = []
    for n in range(first, first + count):
        env = envelope(n)
        subject = f"{settings.nats_subject_prefix}.{env.type}"
        futures.append(
            await js.publish_async(subject, env.to_json(), headers={"Nats-Msg-Id": str(env.id)})
        )
    await asyncio.gather(*futures)


def numbers(events: list[Any]) -> list[tuple[int, int]]:
    return [(e.seq, e.payload["n"]) for e in events]


async def test_reads_in_order_from_any_position(
    source: NatsSource, js: JetStreamContext, nats_settings: Settings
) -> None:
    assert source.name == f"nats:{nats_settings.nats_stream}"
    assert await source.read(0, 10) == []
    assert await source.head() == 0
    await publish(js, nats_settings, 5)

    events = await source.read(0, 10)
    assert numbers(events) == [(i, i) for i in range(1, 6)]
    assert {e.type for e in events} == {"test.happened"}
    assert events[0].occurred_at.startswith(str(utcnow().year))
    await asyncio.sleep(0.6)  # past the head's cache
    assert await source.head() == 5
    assert await source.read(5, 10) == []

    # Only the last two; a limit is honoured; reading further, then back again, replays.
    assert numbers(await source.read(3, 10)) == [(4, 4), (5, 5)]
    assert numbers(await source.read(0, 2)) == [(1, 1), (2, 2)]
    assert numbers(await source.read(2, 2)) == [(3, 3), (4, 4)]
    assert numbers(await source.read(1, 3)) == [(2, 2), (3, 3), (4, 4)]
    assert numbers(await source.read(4, 3)) == [(5, 5)]


async def test_no_stream_yet(source: NatsSource) -> None:
    assert await source.read(0, 100) == []
    assert await source.head() == 0
    started = time.monotonic()
    await source.wait(0.2)
    assert time.monotonic() - started < 1.0


async def test_wait_returns_when_a_message_arrives(
    source: NatsSource, js: JetStreamContext, nats_settings: Settings
) -> None:
    await publish(js, nats_settings, 1)
    assert len(await source.read(0, 10)) == 1
    assert await source.read(1, 10) == []

    started = time.monotonic()
    await source.wait(0.3)  # nothing comes: it waits the timeout out
    assert 0.25 < time.monotonic() - started < 1.0

    async def later() -> None:
        await asyncio.sleep(0.3)
        await publish(js, nats_settings, 1, first=2)

    task = asyncio.create_task(later())
    started = time.monotonic()
    await source.wait(10.0)
    waited = time.monotonic() - started
    await task
    assert waited < 2.0, waited
    assert numbers(await source.read(1, 10)) == [(2, 2)]
    # The head follows what was delivered, even within the cache's life.
    assert await source.head() == 2


async def test_a_message_that_is_no_envelope_is_passed_over(
    source: NatsSource, js: JetStreamContext, nats_settings: Settings
) -> None:
    prefix = nats_settings.nats_subject_prefix
    await publish(js, nats_settings, 1)
    await js.publish(f"{prefix}.junk", b"not json at all")
    await js.publish(f"{prefix}.junk", orjson.dumps({"type": "x", "payload": {}}))
    await publish(js, nats_settings, 1, first=4)

    events = await source.read(0, 10)
    assert [(e.seq, e.type) for e in events] == [
        (1, "test.happened"),
        (2, "invalid"),
        (3, "invalid"),
        (4, "test.happened"),
    ]
    assert events[1].payload == {} and events[1].occurred_at
    assert events[3].payload == {"n": 4}


async def test_a_backlog_is_read_in_large_batches(
    source: NatsSource, js: JetStreamContext, nats_settings: Settings
) -> None:
    total, batch = 20_000, 5000
    await publish(js, nats_settings, total)
    position, batches = 0, 0
    started = time.perf_counter()
    while position < total:
        events = await source.read(position, batch)
        assert events, f"stalled at {position}"
        assert events[0].seq == position + 1 and len(events) <= batch
        position = events[-1].seq
        batches += 1
    elapsed = time.perf_counter() - started
    assert (position, batches) == (total, total // batch)
    print(f"\nread {total} events in {elapsed:.3f}s: {total / elapsed:,.0f} events/s")


async def read_soon(source: NatsSource, after: int, timeout: float = 15.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if events := await source.read(after, 100):
            return events
        await source.wait(0.1)
    return []


async def test_a_server_down_at_start_and_restarted_later(tmp_path: Any) -> None:
    if not support.NATS_SERVER.exists():
        message = f"{support.NATS_SERVER} is not installed"
        if servers.in_ci():
            pytest.fail(f"{message}; CI=true requires it", pytrace=False)
        pytest.skip(message)
    server = support.NatsServer(tmp_path / "store")
    settings = Settings(
        data_dir=tmp_path, bus_url=server.url, nats_stream="R", nats_subject_prefix="r"
    )
    src = NatsSource(settings)
    started = time.monotonic()
    await src.start()  # nothing listens yet: start returns, the client keeps trying
    assert await src.read(0, 10) == []
    assert await src.head() == 0
    assert time.monotonic() - started < 5.0
    try:
        server.start()
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="R", subjects=["r.>"], storage=StorageType.FILE))
        await publish(js, settings, 3)
        await nc.close()
        assert numbers(await read_soon(src, 0)) == [(1, 1), (2, 2), (3, 3)]

        server.kill()
        started = time.monotonic()
        assert await src.read(3, 10) == []
        await src.wait(0.2)
        assert time.monotonic() - started < 2.0
        server.start()  # same store: the stream is still there, the consumer is not
        nc = await nats.connect(server.url)
        await publish(nc.jetstream(), settings, 2, first=4)
        await nc.close()
        assert numbers(await read_soon(src, 3)) == [(4, 4), (5, 5)]
    finally:
        await src.stop()
        server.kill()


# -- the product, end to end -----------------------------------------------------------------
@pytest.fixture
def settings(settings: Settings) -> Iterator[Settings]:
    nats_settings = unique_nats(settings)
    yield nats_settings
    asyncio.run(support.delete_stream(nats_settings.bus_url, nats_settings.nats_stream))


async def test_orders_reach_duckdb_through_nats(
    container: Container, client_for: ClientFor
) -> None:
    assert container.analytics is not None
    assert isinstance(container.analytics.source, NatsSource)
    client = client_for("admin")
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    for qty in (2, 3):
        await make_order(client, customer["id"], [{"sku": product["sku"], "qty": qty}])
    assert await container.bus.drain(timeout=20)
    assert await container.analytics.projector.catch_up(timeout=20)

    store = container.analytics.store
    count = await store.read(
        lambda cur: cur.execute("SELECT count(*) FROM orders").fetchall()[0][0]
    )
    assert count == 2
    state = await container.analytics.projector.stats()
    assert state["source"] == f"nats:{container.settings.nats_stream}"
    assert state["lag"] == 0 and state["position"] == await support.stream_messages(
        container.settings
    )
