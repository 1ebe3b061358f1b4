"""The JetStream stream as the projector's source: positions are stream sequence numbers.

An ephemeral pull consumer (no acks, in memory) delivers from the position the projector
asks for; it is made anew when asked for another one (a replay) or after a lost connection.
Pull requests go out by hand and every message lands in one buffer, in stream order:
`read()` asks for a batch at once (`no_wait`), `wait()` leaves a lingering request for one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from pulse.analytics.sources import EventSource
from pulse.analytics.transform import RawEvent
from pulse.platform.settings import Settings

log = structlog.get_logger(__name__)

RECONNECT_WAIT_SECONDS = 0.5
START_WAIT_SECONDS = 2.0  # then start() returns and the client keeps trying
API_TIMEOUT_SECONDS = 2.0
# A pull request the server has not answered for this long (a lost consumer is silent) is
# given up; every message that arrives extends it.
REQUEST_GRACE_SECONDS = 2.0
HEAD_TTL_SECONDS = 0.5
INACTIVE_SECONDS = 60.0  # when the server removes the consumer of a crashed process
ENVELOPE_KEYS = ("id", "type", "aggregate_type", "aggregate_id", "occurred_at", "payload")


class NatsSource(EventSource):
    def __init__(self, settings: Settings) -> None:
        self.servers = settings.nats_servers
        self.stream = settings.nats_stream
        self.name = f"nats:{self.stream}"
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._connect_task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._consumer: str | None = None
        self._sub: Subscription | None = None
        self._inbox = ""
        self._broken = False  # the consumer must be made anew before the next read
        self._position = 0  # the last event read() handed out; the buffer follows it
        self._last = 0  # the last sequence received from the consumer
        self._buffer: deque[RawEvent] = deque()
        # The open pull request: messages it may still deliver, until when it is waited for,
        # whether it is wait()'s lingering one.
        self._asked, self._asked_until, self._lingering = 0, 0.0, False
        self._arrived = asyncio.Event()
        self._head, self._head_at, self._seen = 0, float("-inf"), 0  # _seen: from deliveries
        self._quiet = False

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._nc = Client()
        self._connect_task = asyncio.create_task(self._connect(), name="analytics-nats-connect")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), START_WAIT_SECONDS)

    async def _connect(self) -> None:
        assert self._nc is not None
        # max_reconnect_attempts=-1 retries the first connection forever too.
        await self._nc.connect(
            self.servers,
            name="pulse-analytics",
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            # nats-py annotates an int; it sleeps for any number of seconds.
            reconnect_time_wait=RECONNECT_WAIT_SECONDS,  # type: ignore[arg-type]
            connect_timeout=2,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
        )
        self._js = self._nc.jetstream(timeout=API_TIMEOUT_SECONDS)
        self._quiet = False
        self._connected.set()

    async def stop(self) -> None:
        if self._connect_task is not None:
            self._connect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connect_task
            self._connect_task = None
        await self._drop_consumer()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.close(), timeout=2.0)
        self._nc = self._js = None
        self._connected.clear()

    async def _on_error(self, exc: Exception) -> None:
        if not self._quiet:  # once per outage, not once per reconnect attempt
            log.warning("analytics_nats_error", error=repr(exc))
            self._quiet = True

    async def _on_disconnected(self) -> None:
        # Pull requests in flight are lost, and so may be the consumer (a restarted server).
        self._broken, self._asked = True, 0
        self._connected.clear()
        self._arrived.set()

    async def _on_reconnected(self) -> None:
        await self._on_disconnected()
        self._quiet = False
        self._connected.set()

    def _up(self) -> bool:
        return self._js is not None and self._nc is not None and self._nc.is_connected

    # -- the consumer ----------------------------------------------------------------------
    async def _open(self, after: int) -> None:
        """A consumer that delivers from `after + 1` (NotFoundError: no stream yet)."""
        await self._drop_consumer()
        assert self._nc is not None and self._js is not None
        name = f"analytics-{uuid.uuid4().hex}"
        inbox = self._nc.new_inbox()
        sub = await self._nc.subscribe(inbox, cb=functools.partial(self._deliver, name))
        config = ConsumerConfig(
            name=name,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=after + 1,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=INACTIVE_SECONDS,
            mem_storage=True,
            num_replicas=1,
        )
        try:
            await self._js.add_consumer(self.stream, config)
        except BaseException:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            raise
        self._consumer, self._sub, self._inbox = name, sub, inbox
        self._position = self._last = after
        self._broken, self._asked = False, 0
        self._buffer.clear()

    async def _drop_consumer(self) -> None:
        name, sub = self._consumer, self._sub
        self._consumer, self._sub, self._asked = None, None, 0
        self._buffer.clear()
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        if name is not None and self._up():
            assert self._js is not None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._js.delete_consumer(self.stream, name), 1.0)

    async def _deliver(self, consumer: str, msg: Msg) -> None:
        if consumer != self._consumer:
            return
        self._arrived.set()
        status = msg.headers.get("Status") if msg.headers else None
        if status:
            if status != "100":  # 404/408: the request is over; 409: the consumer is gone
                self._asked = 0
                # 503, no responders: the consumer's server is gone (a cluster member that
                # went down with it); a consumer made anew lands on one that is up.
                self._broken = self._broken or status in ("409", "503")
            return
        try:
            meta = msg.metadata
        except Exception:  # noqa: BLE001 - not a JetStream delivery
            return
        seq = meta.sequence.stream
        if seq <= self._last:
            return
        self._last = seq
        self._seen = max(self._seen, seq + meta.num_pending)
        self._buffer.append(self._decode(seq, msg.data, meta.timestamp))
        self._asked = max(0, self._asked - 1)
        until = asyncio.get_running_loop().time() + REQUEST_GRACE_SECONDS
        self._asked_until = max(self._asked_until, until)

    def _decode(self, seq: int, data: bytes, at: datetime) -> RawEvent:
        try:
            doc = orjson.loads(data)
            if isinstance(doc, dict) and all(key in doc for key in ENVELOPE_KEYS):
                type_, occurred_at, payload = doc["type"], doc["occurred_at"], doc["payload"]
                if isinstance(type_, str) and isinstance(payload, dict):
                    datetime.fromisoformat(occurred_at)  # DuckDB must be able to read it
                    traceparent = doc.get("traceparent")
                    if not isinstance(traceparent, str):
                        traceparent = None
                    return RawEvent(seq, type_, occurred_at, payload, traceparent)
        except (orjson.JSONDecodeError, TypeError, ValueError):
            pass
        log.warning("analytics_invalid_event", stream=self.stream, seq=seq, data=data[:200])
        return RawEvent(seq, "invalid", at.isoformat(), {})

    async def _request(self, batch: int, expires: float | None) -> None:
        """Ask the consumer for `batch` messages: now (`no_wait`) or within `expires`."""
        assert self._nc is not None and self._consumer is not None
        body: dict[str, Any] = {"batch": batch}
        body.update({"expires": int(expires * 1e9)} if expires else {"no_wait": True})
        loop = asyncio.get_running_loop()
        self._asked, self._lingering = batch, bool(expires)
        self._asked_until = loop.time() + (expires or 0) + REQUEST_GRACE_SECONDS
        subject = f"$JS.API.CONSUMER.MSG.NEXT.{self.stream}.{self._consumer}"
        await self._nc.publish(subject, orjson.dumps(body), reply=self._inbox)

    def _pulling(self) -> bool:
        if self._asked and asyncio.get_running_loop().time() >= self._asked_until:
            # The server ends every request it knows of: the consumer is gone (silently).
            self._asked, self._broken = 0, True
        return self._asked > 0

    async def _until(self, done: Callable[[], object], timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done() and (left := deadline - loop.time()) > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(left, 0.25))

    # -- EventSource -----------------------------------------------------------------------
    async def read(self, after: int, limit: int) -> list[RawEvent]:
        if not self._up():
            return []
        try:
            if self._consumer is None or self._broken or after != self._position:
                await self._open(after)
            if not self._pulling() and len(self._buffer) < limit:
                await self._request(limit - len(self._buffer), expires=None)
            if not self._lingering:
                await self._until(lambda: len(self._buffer) >= limit or not self._pulling(), 30)
        except NotFoundError:
            return []  # no stream yet: the relay creates it
        except Exception as exc:  # noqa: BLE001 - try afresh on the next read
            log.warning("analytics_nats_read_failed", stream=self.stream, error=repr(exc))
            self._broken = True
            return []
        events = [self._buffer.popleft() for _ in range(min(limit, len(self._buffer)))]
        if events:
            self._position = events[-1].seq
        return events

    async def head(self) -> int:
        now = asyncio.get_running_loop().time()
        if self._up() and now - self._head_at >= HEAD_TTL_SECONDS:
            assert self._js is not None
            try:
                self._head = (await self._js.stream_info(self.stream)).state.last_seq
            except NotFoundError:
                self._head = self._seen = 0
            except Exception as exc:  # noqa: BLE001 - the last known head will do
                log.warning("analytics_nats_head_failed", stream=self.stream, error=repr(exc))
            self._head_at = now
        return max(self._head, self._seen)

    async def wait(self, timeout: float) -> None:
        if self._buffer:
            return
        if not self._up():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._connected.wait(), timeout)
            return
        if self._consumer is None or self._broken:
            await asyncio.sleep(timeout)
            return
        try:
            if not self._pulling():
                await self._request(1, expires=timeout)
        except Exception:  # noqa: BLE001 - the next read finds out
            await asyncio.sleep(timeout)
            return
        await self._until(lambda: self._buffer or not self._pulling() or self._broken, timeout)
