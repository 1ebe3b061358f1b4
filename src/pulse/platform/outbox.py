"""The outbox table, written in the same transaction as the change it records, and the
bookkeeping tables every bus backend shares: consumer positions, processed events (the inbox)
and dead letters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.bulk import insert_rows
from pulse.platform.db import Base, UtcDateTime
from pulse.platform.events import Envelope, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntPK = BigInteger().with_variant(Integer, "sqlite")


class OutboxRecord(Base):
    __tablename__ = "outbox"

    pk: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    type: Mapped[str] = mapped_column(String(100))
    aggregate_type: Mapped[str] = mapped_column(String(50))
    aggregate_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str | None] = mapped_column(String(100))
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    causation_id: Mapped[str | None] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    traceparent: Mapped[str | None] = mapped_column(String(55))
    # Position on the embedded bus, given by its relay in commit order.
    stream_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "pk"),)

    def envelope(self) -> Envelope:
        # The envelope's fields are this row's columns of the same names.
        return Envelope.model_validate(self, from_attributes=True)


class BusState(Base):
    """One row per sequencer: the last stream position the embedded relay handed out."""

    __tablename__ = "bus_state"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ConsumerPosition(Base):
    __tablename__ = "consumer_positions"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProcessedEvent(Base):
    """The inbox: which consumer has applied which event, written with the effects."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeadLetter(Base):
    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    consumer: Mapped[str] = mapped_column(String(100), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    event_type: Mapped[str | None] = mapped_column(String(100))
    envelope: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# The columns an event fills, in the order of `outbox_values`.
EVENT_COLUMNS = (
    "id",
    "type",
    "aggregate_type",
    "aggregate_id",
    "occurred_at",
    "actor",
    "correlation_id",
    "causation_id",
    "schema_version",
    "payload",
    "traceparent",
)
OutboxValues = tuple[Any, ...]


def outbox_values(envelope: Envelope) -> OutboxValues:
    return (
        envelope.id,
        envelope.type,
        envelope.aggregate_type,
        envelope.aggregate_id,
        envelope.occurred_at,
        envelope.actor,
        envelope.correlation_id,
        envelope.causation_id,
        envelope.schema_version,
        envelope.payload,
        envelope.traceparent,
    )


def envelope_of(values: OutboxValues) -> Envelope:
    return Envelope(**dict(zip(EVENT_COLUMNS, values, strict=True)))


EMBEDDED_SEQUENCER = "embedded"


async def append(
    session: AsyncSession, envelopes: Sequence[Envelope], *, sequence: bool = False
) -> None:
    """Write events to the outbox (see `append_values`)."""
    await append_values(session, [outbox_values(e) for e in envelopes], sequence=sequence)


async def append_values(
    session: AsyncSession, rows: Sequence[OutboxValues], *, sequence: bool = False
) -> None:
    """Write events, as `outbox_values` tuples, to the outbox in one executemany.

    With `sequence`, the rows also get their embedded-stream positions in this same
    transaction. That is only safe where write transactions are serialised (SQLite), since
    then the order of positions is the order of commits.
    """
    if not rows:
        return
    table = OutboxRecord.__table__
    if not sequence:
        await insert_rows(session, table, EVENT_COLUMNS, rows)
        return
    first = await _take_positions(session, len(rows))
    await insert_rows(
        session,
        table,
        (*EVENT_COLUMNS, "stream_seq"),
        [(*row, seq) for seq, row in enumerate(rows, start=first)],
        same={"published_at": rows[0][4]},  # the first event's moment, as good as any
    )


_TAKE_POSITIONS = (
    BusState.__table__.update()
    .where(BusState.__table__.c.name == EMBEDDED_SEQUENCER)
    .values(last_seq=BusState.__table__.c.last_seq + bindparam("count"))
    .returning(BusState.__table__.c.last_seq)
)


async def _take_positions(session: AsyncSession, count: int) -> int:
    """The first of `count` stream positions, taken by moving the sequencer on: one
    `UPDATE … RETURNING` (SQLite ≥ 3.35, the only database that sequences inline), built
    once and run on the connection (Core, not the ORM's bulk update)."""
    connection = await session.connection()
    last = (await connection.execute(_TAKE_POSITIONS, {"count": count})).scalar_one()
    return int(last) - count + 1


async def backlog(session: AsyncSession) -> int:
    from sqlalchemy import func

    result = await session.execute(
        select(func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
    )
    return int(result.scalar_one())


async def dead_letter_count(session: AsyncSession) -> int:
    from sqlalchemy import func

    result = await session.execute(select(func.count()).select_from(DeadLetter))
    return int(result.scalar_one())


async def record_dead_letter(
    session: AsyncSession,
    *,
    consumer: str,
    envelope: Envelope | None,
    raw: str,
    error: str,
    attempts: int,
) -> None:
    await session.execute(
        insert(DeadLetter).values(
            consumer=consumer,
            event_id=envelope.id if envelope else None,
            event_type=envelope.type if envelope else None,
            # PostgreSQL text cannot hold NUL, and garbage from a broker may contain it.
            envelope=raw.replace("\x00", "\\x00"),
            error=error[:4000].replace("\x00", "\\x00"),
            attempts=attempts,
            created_at=utcnow(),
        )
    )


# -- the embedded stream's bookkeeping (bus/embedded.py) ------------------------------------
async def ensure_sequencer(session: AsyncSession) -> None:
    exists = (
        await session.execute(select(BusState.name).where(BusState.name == EMBEDDED_SEQUENCER))
    ).scalar_one_or_none()
    if exists is None:
        session.add(BusState(name=EMBEDDED_SEQUENCER, last_seq=0))
        await session.flush()


async def ensure_position(session: AsyncSession, consumer: str) -> int:
    position = (
        await session.execute(
            select(ConsumerPosition.position).where(ConsumerPosition.consumer == consumer)
        )
    ).scalar_one_or_none()
    if position is None:
        session.add(ConsumerPosition(consumer=consumer, position=0, updated_at=utcnow()))
        await session.flush()
        return 0
    return int(position)


async def store_position(session: AsyncSession, consumer: str, position: int) -> None:
    await session.execute(
        update(ConsumerPosition)
        .where(ConsumerPosition.consumer == consumer, ConsumerPosition.position < position)
        .values(position=position, updated_at=utcnow())
    )
