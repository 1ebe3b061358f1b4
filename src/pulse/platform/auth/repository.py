"""All SQL of users, refresh tokens and the login throttle."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.auth.models import LoginThrottle, RefreshToken, User


# -- users -----------------------------------------------------------------------------------
async def get_user(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> User | None:
    query = select(User).where(User.id == user_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    return (
        await session.execute(select(User).where(User.username == username))
    ).scalar_one_or_none()


async def username_taken(session: AsyncSession, username: str) -> bool:
    return (
        await session.execute(select(User.id).where(User.username == username))
    ).first() is not None


async def email_taken(session: AsyncSession, email: str) -> bool:
    query = select(User.id).where(func.lower(User.email) == email.lower())
    return (await session.execute(query)).first() is not None


async def count_users(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(User))).scalar_one())


async def count_active_admins(session: AsyncSession) -> int:
    query = (
        select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    )
    return int((await session.execute(query)).scalar_one())


async def add_user(session: AsyncSession, user: User) -> None:
    session.add(user)
    await session.flush()


async def list_users(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[User], int]:
    total = await count_users(session)
    rows = await session.execute(select(User).order_by(User.username).limit(limit).offset(offset))
    return list(rows.scalars()), total


# -- refresh tokens --------------------------------------------------------------------------
async def add_refresh_token(session: AsyncSession, values: dict[str, object]) -> None:
    await session.execute(insert(RefreshToken), [values])


async def refresh_token_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def revoke_token(
    session: AsyncSession,
    token_id: uuid.UUID,
    *,
    at: datetime,
    replaced_by: uuid.UUID | None = None,
) -> bool:
    """Revoke one token unless already revoked; False when another request got there first."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at, replaced_by=replaced_by)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, *, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID, *, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def delete_expired_tokens(
    session: AsyncSession, user_id: uuid.UUID, *, now: datetime
) -> None:
    await session.execute(
        delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at < now)
    )


# -- login throttle --------------------------------------------------------------------------
async def get_throttle(
    session: AsyncSession, username: str, *, for_update: bool = False
) -> LoginThrottle | None:
    query = select(LoginThrottle).where(LoginThrottle.username == username)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def start_throttle(session: AsyncSession, username: str, *, now: datetime) -> bool:
    """Insert the first failure; False if a concurrent request inserted the row first."""
    try:
        async with session.begin_nested():
            await session.execute(
                insert(LoginThrottle),
                [
                    {
                        "username": username,
                        "failures": 1,
                        "last_failure_at": now,
                        "locked_until": None,
                    }
                ],
            )
    except IntegrityError:
        return False
    return True


async def save_throttle(
    session: AsyncSession,
    username: str,
    *,
    failures: int,
    now: datetime,
    locked_until: datetime | None,
) -> None:
    await session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.username == username)
        .values(failures=failures, last_failure_at=now, locked_until=locked_until)
    )


async def clear_throttle(session: AsyncSession, username: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.username == username))


async def prune_throttle(session: AsyncSession, *, stale_before: datetime, now: datetime) -> None:
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < stale_before,
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < now),
        )
    )
