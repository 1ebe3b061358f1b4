"""`Idempotency-Key` support for POSTs that create orders or payments.

The key, a hash of the request and the answer given are stored in the same transaction as
the change, so a retried request gets the same answer and a crash leaves neither behind.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Integer, String, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, UtcDateTime
from pulse.platform.errors import InvalidInput
from pulse.platform.events import utcnow
from pulse.platform.uow import UnitOfWork

MAX_KEY_LENGTH = 200


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
            field="Idempotency-Key",
        )
    return key


async def replay(
    uow: UnitOfWork, *, scope: str, key: str, fingerprint: str
) -> tuple[int, Any] | None:
    """The stored answer for this key, or None. A key reused with another body is refused."""
    row = (
        await uow.session.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
            )
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise InvalidInput(
            "this Idempotency-Key was already used with a different request body",
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    return row.status_code, row.body


async def remember(
    uow: UnitOfWork, *, scope: str, key: str, fingerprint: str, status_code: int, body: Any
) -> None:
    await uow.session.execute(
        insert(IdempotencyRecord).values(
            scope=scope,
            key=key,
            request_hash=fingerprint,
            status_code=status_code,
            body=body,
            created_at=utcnow(),
        )
    )
