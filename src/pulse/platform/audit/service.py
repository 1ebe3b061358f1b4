"""Use cases of the audit log: record a fact, append a transaction's facts to the chain,
verify the chain, sign a checkpoint, search."""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic_core import to_jsonable_python
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.audit import repository as repo
from pulse.platform.audit.chain import GENESIS, Finding, Walk, record_hash, signature_checker
from pulse.platform.audit.schemas import ChainStatus
from pulse.platform.db import Database
from pulse.platform.events import Envelope, utcnow

if TYPE_CHECKING:
    from pulse.platform.audit.signing import Signer
    from pulse.platform.uow import UnitOfWork

# (at, actor, action, subject_type, subject_id, address, event_id, before, after)
Entry = tuple[str, str | None, str, str | None, str | None, str | None, str | None, Any, Any]
PAGE = 5000


def moment(value: datetime) -> str:
    """A moment as the chain stores it: UTC, microseconds, `Z`; text order is time order."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _document(value: dict[str, Any] | None) -> dict[str, Any] | None:
    # Plain JSON values, as stored and hashed: Decimal and ids become strings.
    return None if value is None else to_jsonable_python(value)


def record(
    uow: UnitOfWork,
    *,
    action: str,
    subject_type: str | None,
    subject_id: str | uuid.UUID | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: str | None = None,
    address: str | None = None,
) -> None:
    """Put a fact on the audit log when (and only if) `uow` commits, in its transaction.

    `action`: a dotted name, e.g. "users.update"; `before`/`after`: the changed fields
    only (never a secret: a new password is "changed"). `actor` and `address` default to
    the unit of work's (the signed-in user and the client address of the request)."""
    if uow.readonly:
        raise RuntimeError("a read-only unit of work cannot record audit entries")
    uow.audit_entries.append(
        (
            moment(utcnow()),
            actor if actor is not None else uow.actor,
            action,
            subject_type,
            None if subject_id is None else str(subject_id),
            address if address is not None else uow.address,
            None,
            _document(before),
            _document(after),
        )
    )


def event_entry(event: Envelope | tuple[Any, ...], address: str | None) -> Entry:
    """The audit entry of an event written to the outbox (an envelope or outbox values)."""
    if isinstance(event, Envelope):
        return (
            moment(event.occurred_at),
            event.actor,
            event.type,
            event.aggregate_type,
            event.aggregate_id,
            address,
            str(event.id),
            None,
            event.payload,
        )
    # outbox.EVENT_COLUMNS: id, type, aggregate_type, aggregate_id, occurred_at, actor, …, payload
    return (
        moment(event[4]),
        event[5],
        event[1],
        event[2],
        event[3],
        address,
        str(event[0]),
        None,
        event[9],
    )


Tail = tuple[int, str]
# SQLite only: the chain's last committed (seq, hash) per database, as this process left
# it, so an append needs no read. Another process (a command run beside the server) may
# have appended since; the first new seq then exists already, the INSERT fails on the
# key (undoing itself only, on SQLite) and the append chains after the real tail.
_tails: weakref.WeakKeyDictionary[Database, Tail] = weakref.WeakKeyDictionary()


def _chained(tail: Tail, entries: Sequence[Entry]) -> tuple[list[tuple[Any, ...]], Tail]:
    seq, prev = tail
    rows = []
    for at, actor, action, subject_type, subject_id, address, event_id, before, after in entries:
        seq += 1
        fields = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "address": address,
            "event_id": event_id,
            "before": before,
            "after": after,
            "prev_hash": prev,
        }
        prev = record_hash(fields)
        rows.append((*fields.values(), prev))
    return rows, (seq, prev)


async def append(session: AsyncSession, db: Database, entries: Sequence[Entry]) -> Tail | None:
    """Chain `entries` after the current tail and insert them in one statement. Returns
    the new tail, for `committed` once the transaction has committed."""
    if not entries:
        return None
    known = _tails.pop(db, None) if db.is_sqlite else None
    if known is not None:
        rows, tail = _chained(known, entries)
        try:
            await repo.insert(session, rows)
            return tail
        except IntegrityError:
            pass  # another process appended: chain after the real tail
    rows, tail = _chained(await repo.tail(session, db.dialect), entries)
    await repo.insert(session, rows)
    return tail


def committed(db: Database, tail: Tail | None) -> None:
    """The transaction that appended up to `tail` has committed (see `_tails`)."""
    if tail is not None and db.is_sqlite:
        _tails[db] = tail


async def verify(session: AsyncSession, *, public_key_pem: str | None) -> ChainStatus:
    """Walk the whole chain against the signed checkpoints; the first broken record."""
    walk = Walk()
    walk.expect(
        await repo.checkpoints(session),
        signature_checker(public_key_pem.encode() if public_key_pem else None),
    )
    after = 0
    while True:
        rows = await repo.page(session, after_seq=after, limit=PAGE)
        if not rows:
            break
        if not all(walk.add(row) for row in rows):
            break
        after = int(rows[-1]["seq"])
    return status_of(walk, walk.finish())


def status_of(walk: Walk, found: Finding | None) -> ChainStatus:
    """What a finished walk says of the chain: its end, and the first broken record."""
    return ChainStatus(
        ok=found is None,
        records=walk.records,
        last_seq=walk.last_seq,
        last_hash=walk.last_hash if walk.last_seq else None,
        checkpoints=walk.checkpoints,
        last_checkpoint_seq=walk.last_checkpoint_seq,
        first_bad_seq=None if found is None else found.seq,
        problem=None if found is None else found.problem,
    )


async def checkpoint(uow: UnitOfWork, signer: Signer) -> int | None:
    """Sign the chain's current end, unless a checkpoint already covers it. The seq signed,
    or None when there was nothing new."""
    seq, hash_ = await repo.last(uow.session)
    if seq == 0 or (await repo.last_checkpoint_seq(uow.session) or 0) >= seq:
        return None
    values = {"seq": seq, "hash": hash_, "at": moment(utcnow()), "key_id": signer.key_id}
    await repo.add_checkpoint(
        uow.session,
        {**values, "id": uuid.uuid4(), "signature": signer.sign(values), "created_at": utcnow()},
    )
    return seq


__all__ = [
    "GENESIS",
    "Entry",
    "append",
    "committed",
    "checkpoint",
    "event_entry",
    "moment",
    "record",
    "verify",
]
