"""All SQL of the audit log: the chain's tail under its lock, appends in bulk, searches,
the walk in pages, checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.audit.chain import GENESIS, RECORD_FIELDS
from pulse.platform.audit.models import AuditChainLock, AuditCheckpoint, AuditRecord
from pulse.platform.bulk import insert_rows

CHAIN = "main"
COLUMNS = (*RECORD_FIELDS, "hash")
_records = AuditRecord.__table__
_LOCK = select(AuditChainLock.name).where(AuditChainLock.name == CHAIN).with_for_update()
_TAIL = select(_records.c.seq, _records.c.hash).order_by(_records.c.seq.desc()).limit(1)
_TAIL_SQL = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
# MariaDB's plain reads see the transaction's first snapshot; a locking read sees the latest.
_TAIL_LOCKING = _TAIL.with_for_update(read=True)


async def tail(session: AsyncSession, dialect: str) -> tuple[int, str]:
    """The last record's (seq, hash), held until the transaction ends: the caller is the
    only one appending. SQLite serialises write transactions already (the writer lock in
    the process, BEGIN IMMEDIATE between processes); elsewhere the chain row is locked."""
    connection = await session.connection()
    tail: tuple[Any, ...] | None
    if dialect == "sqlite":
        found = (await connection.exec_driver_sql(_TAIL_SQL)).first()
        tail = None if found is None else tuple(found)
    else:
        await connection.execute(_LOCK)
        locked = (await connection.execute(_TAIL_LOCKING if dialect == "mysql" else _TAIL)).first()
        tail = None if locked is None else tuple(locked)
    return (0, GENESIS) if tail is None else (int(tail[0]), str(tail[1]))


async def insert(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows in `COLUMNS` order, in one statement."""
    await insert_rows(session, _records, COLUMNS, rows)


def as_dict(record: AuditRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in COLUMNS}


async def page(session: AsyncSession, *, after_seq: int, limit: int) -> list[dict[str, Any]]:
    """Records after `after_seq`, in chain order: the walk of verify and export."""
    result = await session.execute(
        select(AuditRecord)
        .where(AuditRecord.seq > after_seq)
        .order_by(AuditRecord.seq)
        .limit(limit)
    )
    return [as_dict(r) for r in result.scalars()]


@dataclass(frozen=True)
class Filters:
    actor: str | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    since: str | None = None
    until: str | None = None


def _where(filters: Filters) -> list[Any]:
    where: list[Any] = []
    if filters.actor is not None:
        where.append(AuditRecord.actor == filters.actor)
    if filters.action is not None:
        # "user." finds every action of users; a full name finds that one.
        if filters.action.endswith("."):
            where.append(AuditRecord.action.startswith(filters.action, autoescape=True))
        else:
            where.append(AuditRecord.action == filters.action)
    if filters.subject_type is not None:
        where.append(AuditRecord.subject_type == filters.subject_type)
    if filters.subject_id is not None:
        where.append(AuditRecord.subject_id == filters.subject_id)
    if filters.since is not None:
        where.append(AuditRecord.at >= filters.since)
    if filters.until is not None:
        where.append(AuditRecord.at < filters.until)
    return where


async def search(
    session: AsyncSession, filters: Filters, *, limit: int, before_seq: int | None
) -> tuple[list[dict[str, Any]], int]:
    """The newest matching records first, `limit` of them below `before_seq`; and how many
    match in all."""
    where = _where(filters)
    query = select(AuditRecord).where(*where)
    if before_seq is not None:
        query = query.where(AuditRecord.seq < before_seq)
    rows = (await session.execute(query.order_by(AuditRecord.seq.desc()).limit(limit))).scalars()
    total = (
        await session.execute(select(func.count()).select_from(AuditRecord).where(*where))
    ).scalar_one()
    return [as_dict(r) for r in rows], int(total)


async def get(session: AsyncSession, seq: int) -> dict[str, Any] | None:
    record = await session.get(AuditRecord, seq)
    return None if record is None else as_dict(record)


async def last(session: AsyncSession) -> tuple[int, str]:
    row = (await session.execute(_TAIL)).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


async def checkpoints(session: AsyncSession) -> list[dict[str, Any]]:
    result = await session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))
    return [
        {
            "seq": c.seq,
            "hash": c.hash,
            "at": c.at,
            "key_id": c.key_id,
            "signature": c.signature,
        }
        for c in result.scalars()
    ]


async def last_checkpoint_seq(session: AsyncSession) -> int | None:
    value = (await session.execute(select(func.max(AuditCheckpoint.seq)))).scalar_one()
    return None if value is None else int(value)


async def add_checkpoint(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(AuditCheckpoint.__table__.insert().values(**values))
