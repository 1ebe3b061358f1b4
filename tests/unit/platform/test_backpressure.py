"""The backlog watcher: which consumers count, when it refuses and how long it says to wait."""

from __future__ import annotations

import pytest

from pulse.platform.backpressure import MAX_RETRY_AFTER, Backlog
from pulse.platform.bus.base import ConsumerStatus


class FakeBus:
    def __init__(self) -> None:
        self.statuses: list[ConsumerStatus] = []

    def set(self, **lags: tuple[int, int]) -> None:
        """name=(position, lag) for each consumer."""
        self.statuses = [
            ConsumerStatus(name=name, position=position, lag=lag, running=True)
            for name, (position, lag) in lags.items()
        ]

    async def status(self) -> list[ConsumerStatus]:
        return self.statuses


async def test_the_laggiest_flow_consumer_counts_and_documents_do_not() -> None:
    bus = FakeBus()
    backlog = Backlog(bus.status, limit=100)
    bus.set(inventory=(10, 5), orders=(10, 40), billing=(10, 20), documents=(0, 10_000))
    assert await backlog.sample() == 40
    assert backlog.retry_after() is None


async def test_the_outbox_not_yet_relayed_adds_to_the_backlog() -> None:
    bus = FakeBus()
    bus.set(inventory=(0, 30))

    async def unpublished() -> int:
        return 80

    backlog = Backlog(bus.status, limit=100, unpublished=unpublished)
    assert await backlog.sample() == 110
    assert backlog.retry_after() is not None


async def test_past_the_limit_the_wait_follows_the_drain_rate() -> None:
    bus = FakeBus()
    clock = iter([0.0, 1.0])
    backlog = Backlog(bus.status, limit=100, clock=lambda: next(clock))
    bus.set(orders=(1_000, 700))
    await backlog.sample()
    # Nothing drained yet that it knows of: the longest wait.
    assert backlog.retry_after() == MAX_RETRY_AFTER
    # 100 events drained in a second; 500 over the limit of 100 → 4 s at that pace.
    bus.set(orders=(1_100, 500))
    await backlog.sample()
    assert backlog.drain_rate() == pytest.approx(100.0)
    assert backlog.retry_after() == 4


async def test_a_backlog_at_the_limit_is_not_refused_and_zero_turns_it_off() -> None:
    bus = FakeBus()
    bus.set(inventory=(0, 100))
    at_limit = Backlog(bus.status, limit=100)
    await at_limit.sample()
    assert at_limit.retry_after() is None
    bus.set(inventory=(0, 10**9))
    off = Backlog(bus.status, limit=0)
    await off.sample()
    assert off.retry_after() is None
    assert not off.enabled
