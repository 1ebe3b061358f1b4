"""PULSE_NATS_STREAM_REPLICAS on a cluster: the stream is created with that many copies, an
existing stream is moved to it when the bus starts, and a count the cluster cannot hold is
logged while the bus keeps running on the stream as it is."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, cast

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from pulse.platform.bus.nats import NatsBus
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWorkFactory
from tests.integration.cluster.nats_cluster import NatsCluster

pytestmark = pytest.mark.nats
CONSUMER = "inventory"


async def replicas_of(cluster: NatsCluster, stream: str) -> tuple[int, int, int]:
    """(configured replicas, peers holding the stream besides its leader, and the same for
    its durable consumer)."""
    nc = await nats.connect(cluster.urls, connect_timeout=2)
    try:
        js = nc.jetstream(timeout=5)
        info = await js.stream_info(stream)
        consumer = await js.consumer_info(stream, CONSUMER)
    finally:
        await nc.close()
    assert info.cluster is not None and consumer.cluster is not None
    return (
        info.config.num_replicas,
        len(info.cluster.replicas or []),
        len(consumer.cluster.replicas or []),
    )


async def add_durable(cluster: NatsCluster, stream: str) -> None:
    """A durable consumer made as the bus makes them: its replicas left to the stream."""
    nc = await nats.connect(cluster.urls, connect_timeout=2)
    try:
        await nc.jetstream(timeout=5).add_consumer(
            stream, ConsumerConfig(durable_name=CONSUMER, ack_policy=AckPolicy.EXPLICIT)
        )
    finally:
        await nc.close()


async def settles_at(cluster: NatsCluster, stream: str, expected: tuple[int, int, int]) -> bool:
    """Whether the stream reaches `expected` replicas (a move to new peers takes a moment)."""
    deadline = time.monotonic() + 20
    while (seen := await replicas_of(cluster, stream)) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{stream}: {seen}, not {expected}")
        await asyncio.sleep(0.2)
    return True


async def run_bus(cluster: NatsCluster, stream: str, replicas: int) -> bool:
    """Start a bus with no relay and no consumer (it only sets the stream up); its readiness."""
    settings = Settings(
        bus_url=cluster.url,
        nats_stream=stream,
        nats_subject_prefix=stream.lower(),
        nats_stream_replicas=replicas,
    )
    bus = NatsBus(settings, cast(UnitOfWorkFactory, cast(Any, None)), [], relay=False)
    await bus.start()
    try:
        return await bus.ready()
    finally:
        await bus.stop()


async def test_the_stream_follows_the_configured_replicas(nats_cluster: NatsCluster) -> None:
    stream = f"R{uuid.uuid4().hex[:10]}".upper()
    assert await run_bus(nats_cluster, stream, 1)
    await add_durable(nats_cluster, stream)
    assert await settles_at(nats_cluster, stream, (1, 0, 0))

    # Grown to the cluster: JetStream places the copies on the other two members, of the
    # stream and of its consumers.
    assert await run_bus(nats_cluster, stream, 3)
    assert await settles_at(nats_cluster, stream, (3, 2, 2))

    # More copies than members: refused by the server, the bus runs on the stream as it is.
    assert await run_bus(nats_cluster, stream, 5)
    assert await replicas_of(nats_cluster, stream) == (3, 2, 2)
