"""The NATS JetStream bus: a relay publishes committed outbox rows to one stream, and every
consumer reads that stream through its own durable pull consumer.

Effects happen exactly once because each half only moves forward after the other side has
made its step durable. The relay marks a row published only after the server acknowledged
it, and sends the event id as `Nats-Msg-Id`, so a row re-sent after a crash or a lost ack
is dropped by the stream's duplicate window. A consumer acks a message only after the runner
committed its effects together with the event id (the inbox), so a redelivery changes
nothing. One relay per deployment is the normal set-up; a second one only duplicates work
that the server then drops. The relay itself is in `nats_relay.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import replace

import nats
import nats.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from pulse.platform import outbox
from pulse.platform.bus.base import ConsumerStatus, EventBus
from pulse.platform.bus.nats_relay import MAX_BACKOFF_SECONDS, NatsRelay
from pulse.platform.consumers import ConsumerRunner
from pulse.platform.events import Envelope
from pulse.platform.pg_notify import OutboxListener
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWorkFactory

log = structlog.get_logger(__name__)

DUPLICATE_WINDOW_SECONDS = 120.0
# Short, so the messages a crashed consumer held come back within seconds; a consumer still
# working on a batch keeps it by sending progress acks meanwhile.
ACK_WAIT_SECONDS = 6.0
FETCH_TIMEOUT_SECONDS = 1.0
RECONNECT_WAIT_SECONDS = 0.5
# How long start() waits for the first connection before the API comes up without it.
START_WAIT_SECONDS = 10.0
# Deliveries of undecodable bytes whose dead-lettering fails before they are dropped (logged).
RAW_DEAD_LETTER_ATTEMPTS = 5


class NatsBus(EventBus):
    def __init__(
        self,
        settings: Settings,
        uow_factory: UnitOfWorkFactory,
        runners: Sequence[ConsumerRunner],
        *,
        relay: bool,
    ) -> None:
        self.settings = settings
        self.uow_factory = uow_factory
        self.runners = list(runners)
        self.relay = NatsRelay(self) if relay else None
        self.stream = settings.nats_stream
        self.prefix = settings.nats_subject_prefix
        self.batch_size = settings.consumer_batch_size
        self.poll_seconds = settings.relay_poll_seconds
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._setup_task: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._set_up = asyncio.Event()
        self.stopping = False
        self._listener: OutboxListener | None = None

    def subject(self, event_type: str) -> str:
        return f"{self.prefix}.{event_type}"

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self.stopping = False
        self._set_up.clear()
        self._setup_task = asyncio.create_task(self._connect_and_run(), name="nats-setup")
        if self.relay is not None and self.uow_factory.db.dialect == "postgresql":
            # Writers in other processes wake this relay through PostgreSQL.
            self._listener = OutboxListener(self.uow_factory.db.url, self.wake)
            self._listener.start()
        # A bus that is down must not keep the process from starting: the client keeps
        # trying in the background and ready() says so meanwhile.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._set_up.wait(), START_WAIT_SECONDS)

    async def stop(self) -> None:
        self.stopping = True
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None
        tasks = [t for t in [self._setup_task, *self._tasks] if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._setup_task = None
        if self._nc is not None:
            with contextlib.suppress(Exception):
                # Pending acks go out before the connection closes.
                await asyncio.wait_for(self._nc.flush(), timeout=1.0)
            with contextlib.suppress(Exception):
                await self._nc.close()
        self._nc = None
        self._js = None
        self._set_up.clear()

    def wake(self, types: frozenset[str] | None = None) -> None:
        if self.relay is not None:
            self.relay.wake()

    async def ready(self) -> bool:
        return (
            self._set_up.is_set()
            and self._nc is not None
            and self._nc.is_connected
            and all(not t.done() for t in self._tasks)
        )

    async def status(self) -> list[ConsumerStatus]:
        js = self.require_js()
        running = {t.get_name() for t in self._tasks if not t.done()}
        local = {r.consumer.name for r in self.runners}
        return [
            ConsumerStatus(
                name=info.name,
                position=info.delivered.stream_seq if info.delivered else 0,
                lag=info.num_pending or 0,
                running=info.name in local and f"consumer-{info.name}" in running,
            )
            for info in await js.consumers_info(self.stream)
            # Durable consumers only: readers that keep their position elsewhere (the
            # analytics projector) use short-lived ones.
            if info.config.durable_name
        ]

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the outbox is published and every local consumer has acked everything."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            # A request sent just before a reconnect is never answered; do not wait it out.
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(self._settled(), timeout=1.0):
                    return True
            self.wake()
            await asyncio.sleep(0.05)
        return False

    async def _settled(self) -> bool:
        if not self._set_up.is_set() or self._js is None:
            return False
        js = self._js
        try:
            before = (await js.stream_info(self.stream)).state.last_seq
            for runner in self.runners:
                info = await js.consumer_info(self.stream, runner.consumer.name)
                if info.num_pending or info.num_ack_pending:
                    return False
            async with self.uow_factory(readonly=True) as uow:
                if await outbox.backlog(uow.session):
                    return False
            # A consumer may have committed new events after its check above; had the relay
            # published them since, the stream would have grown.
            after = (await js.stream_info(self.stream)).state.last_seq
        except Exception:  # noqa: BLE001 - not settled while the server is unreachable
            return False
        return before == after

    # -- connection and topology -----------------------------------------------------------
    async def _connect_and_run(self) -> None:
        # With max_reconnect_attempts=-1 the client retries the first connection forever too.
        # Every cluster member named is a candidate, and so is each one the servers announce:
        # a lost connection moves on to another member.
        self._nc = await nats.connect(
            self.settings.nats_servers,
            name="pulse",
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=RECONNECT_WAIT_SECONDS,
            connect_timeout=2,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
        )
        self._js = self._nc.jetstream()
        while True:
            try:
                await self.ensure_stream()
                break
            except Exception as exc:  # noqa: BLE001 - JetStream may still be starting
                log.warning("nats_stream_setup_failed", stream=self.stream, error=repr(exc))
                await asyncio.sleep(RECONNECT_WAIT_SECONDS)
        if self.relay is not None:
            self._tasks.append(asyncio.create_task(self.relay.run(), name="nats-relay"))
        for runner in self.runners:
            self._tasks.append(
                asyncio.create_task(
                    self._consumer_loop(runner), name=f"consumer-{runner.consumer.name}"
                )
            )
        self._set_up.set()
        self.wake()

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats_error", error=repr(exc))

    async def _on_disconnected(self) -> None:
        if not self.stopping:
            log.warning("nats_disconnected")

    async def _on_reconnected(self) -> None:
        log.info("nats_reconnected")
        self.wake()

    def require_js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("the NATS bus is not connected")
        return self._js

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def ensure_stream(self) -> None:
        """Create the stream if it is missing; give an existing one the configured replicas.

        Anything but a clear "not found" (a timeout while a cluster elects a leader, say)
        propagates, so a stream that exists is never created again."""
        js = self.require_js()
        replicas = self.settings.nats_stream_replicas
        try:
            info = await js.stream_info(self.stream)
        except NotFoundError:
            pass
        else:
            if (info.config.num_replicas or 1) != replicas:
                await self._change_replicas(info.config, replicas)
            return
        config = StreamConfig(
            name=self.stream,
            subjects=[f"{self.prefix}.>"],
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=replicas,
        )
        try:
            await js.add_stream(config)
        except Exception:
            # Another process may have created it a moment ago; only a missing stream fails.
            await js.stream_info(self.stream)

    async def _change_replicas(self, config: StreamConfig, replicas: int) -> None:
        """A deployment grown from one server to a cluster (or shrunk): JetStream copies the
        stream and its consumers onto the new peers itself. A refusal (too few servers) is
        logged and the stream kept as it is, so the bus still runs."""
        try:
            await self.require_js().update_stream(replace(config, num_replicas=replicas))
        except Exception as exc:  # noqa: BLE001 - the stream as it is still works
            log.warning(
                "nats_stream_replicas_unchanged",
                stream=self.stream,
                replicas=config.num_replicas,
                wanted=replicas,
                error=repr(exc),
            )
        else:
            log.info("nats_stream_replicas_changed", stream=self.stream, replicas=replicas)

    async def _ensure_consumer(self, name: str) -> None:
        js = self.require_js()
        try:
            await js.consumer_info(self.stream, name)
            return
        except NotFoundError:
            pass
        config = ConsumerConfig(
            name=name,
            durable_name=name,
            filter_subject=f"{self.prefix}.>",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ACK_WAIT_SECONDS,
            # The runner dead-letters what keeps failing, so the server never has to give
            # up on a message; unlimited only matters while the database is unreachable.
            max_deliver=-1,
        )
        try:
            await js.add_consumer(self.stream, config)
        except Exception:
            await js.consumer_info(self.stream, name)

    # -- consumers -------------------------------------------------------------------------
    async def _consumer_loop(self, runner: ConsumerRunner) -> None:
        name = runner.consumer.name
        sub: JetStreamContext.PullSubscription | None = None
        failures = 0
        while not self.stopping:
            try:
                if sub is None:
                    await self.ensure_stream()
                    await self._ensure_consumer(name)
                    sub = await self.require_js().pull_subscribe_bind(
                        durable=name, stream=self.stream
                    )
                try:
                    msgs = await sub.fetch(self.batch_size, timeout=FETCH_TIMEOUT_SECONDS)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                await self._handle(runner, msgs)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - rebind and carry on
                failures += 1
                log.warning("nats_consumer_error", consumer=name, error=repr(exc))
                if sub is not None:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
                    sub = None
                await asyncio.sleep(min(0.05 * 2**failures, MAX_BACKOFF_SECONDS))

    async def _handle(self, runner: ConsumerRunner, msgs: Sequence[Msg]) -> None:
        consumer = runner.consumer
        envelopes: list[Envelope] = []
        done: list[Msg] = []
        try:
            for msg in msgs:
                # The subject names the type, so bytes on a subject this consumer does not
                # handle are none of its business, even when they are not an envelope.
                if consumer.wants(msg.subject[len(self.prefix) + 1 :]):
                    try:
                        envelope = Envelope.from_json(msg.data)
                    except Exception as exc:  # noqa: BLE001 - anything undecodable is poison
                        if not await self._dead_letter_raw(runner, msg, exc):
                            continue
                    else:
                        if consumer.wants(envelope.type):
                            envelopes.append(envelope)
                done.append(msg)
            keep_alive = asyncio.create_task(self._keep_alive(msgs))
            try:
                await runner.process(envelopes)
            finally:
                keep_alive.cancel()
        except BaseException:
            # Ask for a quick redelivery instead of waiting out the ack deadline.
            for msg in msgs:
                with contextlib.suppress(Exception):
                    await msg.nak(delay=1)
            raise
        for msg in done:
            await msg.ack()

    async def _dead_letter_raw(self, runner: ConsumerRunner, msg: Msg, exc: Exception) -> bool:
        """Dead-letter bytes that are no envelope. False if that failed and the message was
        handed back for a later try, so one bad message never holds up the rest."""
        try:
            await runner.dead_letter_raw(msg.data, f"no event envelope on {msg.subject}: {exc!r}")
            return True
        except Exception as error:  # noqa: BLE001
            delivered = msg.metadata.num_delivered or 0
            if delivered >= RAW_DEAD_LETTER_ATTEMPTS:
                log.error(
                    "nats_message_dropped",
                    consumer=runner.consumer.name,
                    subject=msg.subject,
                    data=msg.data[:200].hex(),
                    error=repr(error),
                )
                await msg.term()
            else:
                await msg.nak(delay=delivered)
            return False

    @staticmethod
    async def _keep_alive(msgs: Sequence[Msg]) -> None:
        while True:
            await asyncio.sleep(ACK_WAIT_SECONDS / 3)
            for msg in msgs:
                with contextlib.suppress(Exception):
                    await msg.in_progress()
