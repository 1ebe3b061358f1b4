"""The unit of work: one transaction, and the domain events it collects, written to the
outbox in that same transaction on commit. Services never commit; whoever opens the unit
of work (an endpoint, the consumer runner, a command) does."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform import outbox, tracing
from pulse.platform.audit import service as audit
from pulse.platform.db import Database, open_session
from pulse.platform.events import Envelope, Event, envelope_for, new_event_id, utcnow
from pulse.platform.pg_notify import notify_outbox


class Repository:
    """Base of a module's repository: the module's SQL, on the session of one unit of work.

    A use case asks `uow.repo(TheRepository)`, never builds one, so a unit test hands it an
    in-memory stand-in through a fake unit of work (tests/fakes.py) instead of patching
    import paths. The platform names no module's repository: the class is the key."""

    __slots__ = ("session",)

    def __init__(self, session: AsyncSession) -> None:
        self.session = session


RepositoryT = TypeVar("RepositoryT", bound=Repository)


class UnitOfWork:
    session: AsyncSession

    def __init__(
        self,
        db: Database,
        *,
        notify: Callable[[frozenset[str]], None] | None = None,
        actor: str | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        readonly: bool = False,
        sequence_inline: bool = False,
        priority: bool = False,
        address: str | None = None,
    ) -> None:
        self.db = db
        # The client address of the request this work serves (audited with each change).
        self.address = address
        self.sequence_inline = sequence_inline
        self.priority = priority
        self.actor = actor
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self.readonly = readonly
        # The trace context of events emitted without a cause (None: the current span's),
        # and that of the span handling each cause, by the cause's event id.
        self.traceparent: str | None = None
        self.cause_traces: dict[uuid.UUID, str | None] = {}
        self._notify = notify
        # Envelopes from `emit`, outbox rows from `emit_payloads`, in the order emitted.
        self._pending: list[Envelope | outbox.OutboxValues] = []
        # Facts for the audit log besides the events (audit.record), in the order recorded.
        self.audit_entries: list[audit.Entry] = []
        self._committed = False
        self._after_commit: list[Callable[[], None]] = []
        self._stack = contextlib.AsyncExitStack()
        # The repositories asked for, by class: each built once, on this work's session.
        self._repositories: dict[type[Repository], Repository] = {}

    def repo(self, kind: type[RepositoryT]) -> RepositoryT:
        """This work's repository of the class `kind`, built on first use."""
        found = self._repositories.get(kind)
        if found is None:
            found = self._repositories[kind] = kind(self.session)
        return cast(RepositoryT, found)

    @property
    def dialect(self) -> str:
        return self.db.dialect

    async def __aenter__(self) -> UnitOfWork:
        if not self.readonly:
            await self._stack.enter_async_context(self.db.writer(priority=self.priority))
        self.session = await open_session(self.db, readonly=self.readonly)
        self._stack.push_async_callback(self.session.close)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            await self._stack.aclose()

    def emit(self, event: Event, *, cause: Envelope | None = None) -> Envelope:
        """Record an event; it reaches the outbox when (and only if) the work commits.

        `cause`: the event this one answers (a consumer working a batch names each one's
        own), whose actor and correlation it carries; by default the unit of work's."""
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot emit events")
        if cause is not None:
            envelope = envelope_for(
                event,
                actor=cause.actor,
                correlation_id=cause.correlation_id,
                causation_id=str(cause.id),
                traceparent=self.trace_of(cause),
            )
        else:
            envelope = envelope_for(
                event,
                actor=self.actor,
                correlation_id=self.correlation_id,
                causation_id=self.causation_id,
                traceparent=self.traceparent or tracing.current_traceparent(),
            )
        if envelope.correlation_id is None:
            envelope = envelope.model_copy(update={"correlation_id": str(envelope.id)})
        self._pending.append(envelope)
        return envelope

    def emit_payloads(self, events: Iterable[tuple[type[Event], str, dict[str, Any]]]) -> int:
        """Record many events at once, each as (event class, aggregate id, payload).

        For bulk imports, where building and dumping a model per event would cost more than
        writing it. The payload must be exactly what `event.model_dump(mode="json")` gives;
        the outbox rows are then the same as `emit` writes. Returns how many were recorded.
        """
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot emit events")
        actor, correlation_id, causation_id = self.actor, self.correlation_id, self.causation_id
        traceparent = self.traceparent or tracing.current_traceparent()
        occurred_at = utcnow()
        before = len(self._pending)
        for cls, aggregate_id, payload in events:
            event_id = new_event_id()
            self._pending.append(
                (
                    event_id,
                    cls.type,
                    cls.aggregate_type,
                    aggregate_id,
                    occurred_at,
                    actor,
                    correlation_id or str(event_id),
                    causation_id,
                    cls.version,
                    payload,
                    traceparent,
                )
            )
        return len(self._pending) - before

    def trace_of(self, cause: Envelope) -> str | None:
        """The trace context an event caused by `cause` carries: that of the span handling
        the cause here, else the cause's own (so a trace goes on through a process that does
        not record spans)."""
        return self.cause_traces.get(cause.id, cause.traceparent)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this work has committed (never if it rolls back)."""
        self._after_commit.append(callback)

    @property
    def pending_events(self) -> list[Envelope]:
        return [e if isinstance(e, Envelope) else outbox.envelope_of(e) for e in self._pending]

    async def commit(self) -> None:
        tail = None
        if not self._pending and not self.audit_entries:
            await self.session.commit()
        else:
            with tracing.span("outbox write", {"pulse.events": len(self._pending)}):
                if self._pending:
                    await outbox.append_values(
                        self.session,
                        [
                            outbox.outbox_values(e) if isinstance(e, Envelope) else e
                            for e in self._pending
                        ],
                        sequence=self.sequence_inline,
                    )
                    if self.db.dialect == "postgresql":
                        await notify_outbox(self.session)
                # Every event is audited too, chained in this same transaction
                # (audit/service.py).
                tail = await audit.append(
                    self.session,
                    self.db,
                    [
                        *self.audit_entries,
                        *(audit.event_entry(e, self.address) for e in self._pending),
                    ],
                )
                await self.session.commit()
        self._committed = True
        audit.committed(self.db, tail)
        for callback in self._after_commit:
            callback()
        if self._pending and self._notify is not None:
            self._notify(
                frozenset(e.type if isinstance(e, Envelope) else e[1] for e in self._pending)
            )

    async def rollback(self) -> None:
        await self.session.rollback()
        self._pending.clear()
        self.audit_entries.clear()
        self._after_commit.clear()


class UnitOfWorkFactory:
    """Makes units of work bound to one database and one bus wake-up."""

    def __init__(
        self,
        db: Database,
        notify: Callable[[frozenset[str]], None] | None = None,
        *,
        sequence_inline: bool = False,
    ) -> None:
        self.db = db
        self.notify = notify
        # Number events for the embedded stream at commit (see outbox.append_values).
        self.sequence_inline = sequence_inline

    def __call__(
        self,
        *,
        actor: str | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        readonly: bool = False,
        priority: bool = False,
        address: str | None = None,
    ) -> UnitOfWork:
        """`priority`: consumers and relays, which move orders along, write before requests;
        `address`: the client's, for the audit log."""
        return UnitOfWork(
            self.db,
            notify=self.notify,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
            readonly=readonly,
            sequence_inline=self.sequence_inline,
            priority=priority,
            address=address,
        )
