"""Backpressure: when the order flow falls behind, the endpoints that start more work for
it say so (503 with `Retry-After`) instead of queueing without limit.

A `Backlog` watcher, started with the app, reads the bus's consumer status every
`interval` seconds (the embedded and the NATS bus alike, whether or not this process runs
the consumers) and keeps the largest lag of the consumers that move orders on, plus the
events still waiting in the outbox. Past `PULSE_MAX_BACKLOG` events the `Backpressure`
dependency refuses the request before it opens a transaction; the wait it suggests is the
backlog over the rate the consumers drained it at lately. The documents consumer is not
counted: it renders only when the flow is idle, so its lag says nothing about the flow.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated

import structlog
from fastapi import Depends, Request
from prometheus_client import Counter, Gauge

from pulse.platform import outbox
from pulse.platform.errors import PulseError
from pulse.platform.tasks import cancel_and_wait

if TYPE_CHECKING:
    from pulse.platform.bus.base import ConsumerStatus, EventBus
    from pulse.platform.uow import UnitOfWorkFactory

log = structlog.get_logger(__name__)

# The consumers an order waits for between placed and invoiced.
FLOW_CONSUMERS = frozenset({"inventory", "orders", "billing"})
# The longest wait a refusal suggests, and the one it suggests with no drain rate known.
MAX_RETRY_AFTER = 30

REFUSALS = Counter(
    "pulse_backpressure_refusals_total",
    "Requests refused because the order flow was behind",
    ["route"],
)
FLOW_BACKLOG = Gauge(
    "pulse_flow_backlog", "Events the order flow is behind (largest consumer lag + outbox)"
)


class FlowBehind(PulseError, status=503, code="flow_behind"): ...


class Backlog:
    """How far behind the order flow is, sampled in the background."""

    def __init__(
        self,
        status: Callable[[], Awaitable[Sequence[ConsumerStatus]]],
        *,
        limit: int,
        interval: float = 0.5,
        unpublished: Callable[[], Awaitable[int]] | None = None,
        consumers: Iterable[str] = FLOW_CONSUMERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # `status` gives the bus's consumer positions; `unpublished` the outbox events not yet
        # on the bus.
        self._status = status
        self._unpublished = unpublished
        self.limit = limit
        self.interval = interval
        self.consumers = frozenset(consumers)
        self._clock = clock
        self.backlog = 0
        # (monotonic time, events drained so far by the laggiest consumer) over ~10 s.
        self._drained: deque[tuple[float, int]] = deque(maxlen=max(2, int(10 / interval) + 1))
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_bus(
        cls, bus: EventBus, uow: UnitOfWorkFactory, *, limit: int, interval: float = 0.5
    ) -> Backlog:
        async def unpublished() -> int:
            async with uow(readonly=True) as work:
                return await outbox.backlog(work.session)

        # Inline-sequenced events (embedded bus on SQLite) are on the stream at commit, so
        # the consumers' lag already counts them; elsewhere the relay may be behind too.
        return cls(
            bus.status,
            limit=limit,
            interval=interval,
            unpublished=None if uow.sequence_inline else unpublished,
        )

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="backpressure")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        failing = False
        while True:
            try:
                await self.sample()
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep the last reading, try again
                if not failing:  # once per streak: a bus that is down fails every sample
                    log.warning("backpressure_sample_failed", error=repr(exc))
                failing = True
            await asyncio.sleep(self.interval)

    async def sample(self) -> int:
        """Read the bus (and the outbox) once; the backlog in events."""
        statuses: list[ConsumerStatus] = list(await self._status())
        flow = [s for s in statuses if s.name in self.consumers]
        behind = max(flow, key=lambda s: s.lag, default=None)
        backlog = behind.lag if behind is not None else 0
        if self._unpublished is not None:
            backlog += await self._unpublished()
        if behind is not None:
            self._drained.append((self._clock(), behind.position))
        self.backlog = backlog
        FLOW_BACKLOG.set(backlog)
        return backlog

    def drain_rate(self) -> float:
        """Events per second the laggiest consumer moved on by lately (0 when unknown)."""
        if len(self._drained) < 2:
            return 0.0
        (t0, p0), (t1, p1) = self._drained[0], self._drained[-1]
        return max(0.0, (p1 - p0) / (t1 - t0)) if t1 > t0 else 0.0

    def retry_after(self) -> int | None:
        """Seconds to wait before starting more work, or None when the flow keeps up."""
        if not self.enabled or self.backlog <= self.limit:
            return None
        rate = self.drain_rate()
        if rate <= 0:
            return MAX_RETRY_AFTER
        # Time until the backlog is back under the limit at the recent pace.
        return max(1, min(MAX_RETRY_AFTER, math.ceil((self.backlog - self.limit) / rate)))


async def refuse_when_behind(request: Request) -> None:
    """Dependency: 503 `flow_behind` with Retry-After while the order flow is past its
    backlog limit."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    container = getattr(request.app.state, "container", None)
    if container is not None and container.settings.max_queued_writes > 0:
        queued = container.db.writers_waiting()
        if queued >= container.settings.max_queued_writes:
            REFUSALS.labels(route).inc()
            raise FlowBehind(
                f"{queued} requests are waiting to write (limit "
                f"{container.settings.max_queued_writes}); try again in 1 s",
                extra={"retry_after": 1, "queued_writes": queued},
            )
    backlog: Backlog | None = getattr(request.app.state, "backlog", None)
    if backlog is None:
        return
    wait = backlog.retry_after()
    if wait is None:
        return
    REFUSALS.labels(route).inc()
    raise FlowBehind(
        f"the order flow is {backlog.backlog} events behind (limit {backlog.limit}); "
        f"try again in {wait} s",
        extra={"retry_after": wait, "backlog": backlog.backlog},
    )


Backpressure = Annotated[None, Depends(refuse_when_behind)]
