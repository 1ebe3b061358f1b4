"""`Idempotency-Key` support for POSTs that create orders or payments.

The key, a hash of the request and the answer given are stored in the same transaction as
the change, so a retried request gets the same answer and a crash leaves neither behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, Integer, String, insert, select
from sqlalchemy.exc import IntegrityError
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


async def run_once(
    uow: UnitOfWork,
    *,
    key: str | None,
    scope: str,
    request: BaseModel,
    run: Callable[[], Awaitable[BaseModel]],
    status_code: int = 201,
) -> BaseModel | JSONResponse:
    """Run a creating request once per Idempotency-Key: a retry with the same key and body
    gets the stored answer; without a key the request simply runs. The answer is stored in
    `uow`, and kept when the endpoint's unit of work commits with the change."""
    if key is None:
        return await run()
    key = check_key(key)
    fingerprint = request_fingerprint(request.model_dump(mode="json"))
    stored = await replay(uow, scope=scope, key=key, fingerprint=fingerprint)
    if stored is not None:
        return _replayed(stored)
    result = await run()
    try:
        await remember(
            uow,
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            status_code=status_code,
            body=result.model_dump(mode="json"),
        )
    except IntegrityError:
        # A concurrent request with the same key committed first: give its answer, not ours.
        await uow.rollback()
        stored = await replay(uow, scope=scope, key=key, fingerprint=fingerprint)
        if stored is None:
            raise
        return _replayed(stored)
    return result


def _replayed(stored: tuple[int, Any]) -> JSONResponse:
    return JSONResponse(stored[1], status_code=stored[0], headers={"Idempotent-Replayed": "true"})
