"""The analytics projector's reader on a cluster: its consumer keeps one copy, in memory, on
one member. When that member goes down the reader makes a new consumer on a member that is
up and goes on from its position: every event once, in stream order."""

from __future__ import annotations

import asyncio
import time
import uuid

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig

from pulse.analytics.nats_source import NatsSource
from pulse.analytics.transform import RawEvent
from pulse.platform.settings import Settings
from tests.integration.analytics.test_nats_source import numbers, publish
from tests.integration.cluster.nats_cluster import NatsCluster, Node

pytestmark = pytest.mark.nats


async def publish_until_stored(js: JetStreamContext, settings: Settings, first: int) -> None:
    """Ten events; while the stream elects a new leader a publish may go unanswered."""
    deadline = time.monotonic() + 30
    while True:
        try:
            # Bounded: acks owed by a connection that was lost never come.
            await asyncio.wait_for(publish(js, settings, 10, first=first), 5)
            return
        except Exception:
            assert time.monotonic() < deadline, "the stream took no events after the loss"
            await asyncio.sleep(0.2)


async def read_until(source: NatsSource, after: int, last: int) -> list[RawEvent]:
    events: list[RawEvent] = []
    deadline = time.monotonic() + 45
    while after < last:
        assert time.monotonic() < deadline, f"the reader stopped at {after} of {last}"
        batch = await source.read(after, 100)
        if batch:
            events += batch
            after = batch[-1].seq
        else:
            await source.wait(0.5)
    return events


async def reader_node(cluster: NatsCluster, js: JetStreamContext, stream: str) -> Node:
    infos = [i for i in await js.consumers_info(stream) if i.name.startswith("analytics-")]
    assert len(infos) == 1 and infos[0].cluster is not None
    return cluster.node(str(infos[0].cluster.leader))


async def test_the_reader_outlives_the_member_holding_its_consumer(
    nats_cluster: NatsCluster,
) -> None:
    tag = uuid.uuid4().hex[:10]
    first = nats_cluster.nodes[0]
    settings = Settings(
        bus_url=first.url, nats_stream=f"A{tag}".upper(), nats_subject_prefix=f"a{tag}"
    )
    nc = await nats.connect(nats_cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    source = NatsSource(settings)
    try:
        js = nc.jetstream(timeout=3)
        await js.add_stream(
            StreamConfig(
                name=settings.nats_stream,
                subjects=[f"{settings.nats_subject_prefix}.>"],
                storage=StorageType.FILE,
                num_replicas=3,
            )
        )
        await publish(js, settings, 10)
        await source.start()
        assert numbers(await read_until(source, 0, 10)) == [(i, i) for i in range(1, 11)]

        lost = await reader_node(nats_cluster, js, settings.nats_stream)
        nats_cluster.kill(lost)
        await publish_until_stored(js, settings, first=11)
        events = await read_until(source, 10, 20)
        assert [n for _, n in numbers(events)] == list(range(11, 21))
        assert [seq for seq, _ in numbers(events)] == sorted({seq for seq, _ in numbers(events)})
    finally:
        await source.stop()
        await nc.close()
