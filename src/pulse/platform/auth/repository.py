"""All SQL of users, refresh tokens and the login throttles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, insert, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.auth.models import AddressThrottle, LoginThrottle, RefreshToken, User
from pulse.platform.db import UtcDateTime, one_or_none, rowcount


# -- users -----------------------------------------------------------------------------------
async def get_user(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> User | None:
    return await one_or_none(session, select(User).where(User.id == user_id), lock=for_update)


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
    return bool(rowcount(result))


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


# -- login throttles ------------------------------------------------------------------------
Throttle = type[LoginThrottle] | type[AddressThrottle]


def _key(model: Throttle) -> Any:
    return LoginThrottle.username if model is LoginThrottle else AddressThrottle.address


@dataclass(frozen=True)
class Taken:
    """The outcome of `take_attempt`: whether the attempt was let through, and the count."""

    taken: bool
    failures: int
    locked_until: datetime | None


async def take_attempt(
    session: AsyncSession,
    model: Throttle,
    key: str,
    *,
    now: datetime,
    forget_before: datetime,
    max_failures: int,
    lock_until: datetime,
) -> Taken | None:
    """Count one attempt against `key` unless it is locked, atomically: of any number of
    concurrent callers, at most the attempts left get through. None when the key has no row
    yet (`open_key` makes one, in a transaction of its own).

    The count goes up before the password is checked (an attempt is a failure until it turns
    out right), and the attempt that uses the last one sets the lock. Each step is a single
    conditional UPDATE of an existing row, so the database's row lock (PostgreSQL, MariaDB)
    or write lock (SQLite) serialises racing callers with no read-then-write gap, and no
    insert races an update for the same key inside one transaction (on MariaDB that pattern
    deadlocks on gap locks).
    """
    column = _key(model)
    # A lock that has run out, or failures too old to count, start the count again.
    await session.execute(
        update(model)
        .where(
            column == key,
            or_(
                model.locked_until <= now,
                and_(model.locked_until.is_(None), model.last_failure_at < forget_before),
            ),
        )
        .values(failures=0, locked_until=None)
    )
    taken = await _count_attempt(session, model, key, now, max_failures, lock_until)
    row = (
        await session.execute(select(model.failures, model.locked_until).where(column == key))
    ).one_or_none()
    if row is None:
        return None
    return Taken(taken, row.failures, row.locked_until)


async def _count_attempt(
    session: AsyncSession,
    model: Throttle,
    key: str,
    now: datetime,
    max_failures: int,
    lock_until: datetime,
) -> bool:
    lock = case(
        (model.failures + 1 >= max_failures, bindparam("lock", lock_until, UtcDateTime())),
        else_=null(),
    )
    # ordered_values: MariaDB evaluates SET left to right with the new values, so the lock is
    # computed before `failures` changes (PostgreSQL and SQLite use the old ones throughout).
    result = await session.execute(
        update(model)
        .where(_key(model) == key, model.locked_until.is_(None), model.failures < max_failures)
        .ordered_values(
            (model.locked_until, lock),
            (model.failures, model.failures + 1),
            (model.last_failure_at, now),
        )
    )
    return bool(rowcount(result))


async def open_key(session: AsyncSession, model: Throttle, key: str, *, now: datetime) -> None:
    """Make the row of a key with nothing counted yet; a concurrent insert of it is fine."""
    values = {_key(model).key: key, "failures": 0, "last_failure_at": now, "locked_until": None}
    try:
        async with session.begin_nested():
            await session.execute(insert(model), [values])
    except IntegrityError:
        pass


async def prune(
    session: AsyncSession, model: Throttle, *, forget_before: datetime, now: datetime
) -> None:
    """Drop rows nobody has failed with for a while. Rows another transaction holds are
    left for next time (SKIP LOCKED), so pruning never waits and never deadlocks a login."""
    column = _key(model)
    stale = (
        select(column)
        .where(
            model.last_failure_at < forget_before,
            or_(model.locked_until.is_(None), model.locked_until < now),
        )
        .limit(500)
        .with_for_update(skip_locked=True)
    )
    keys = list((await session.execute(stale)).scalars())
    if keys:
        await session.execute(delete(model).where(column.in_(keys)))


async def give_back_attempt(
    session: AsyncSession, model: Throttle, key: str, *, max_failures: int
) -> None:
    """Uncount an attempt that turned out right, lifting the lock it may have set."""
    unlock = case((model.failures - 1 < max_failures, null()), else_=model.locked_until)
    await session.execute(
        update(model)
        .where(_key(model) == key, model.failures > 0)
        .ordered_values((model.locked_until, unlock), (model.failures, model.failures - 1))
    )


async def clear_throttle(session: AsyncSession, username: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.username == username))


# -- what a token is checked against ---------------------------------------------------------
async def token_state(session: AsyncSession, user_id: uuid.UUID) -> tuple[int, bool, str] | None:
    """(token version, active, role) of a user, or None when there is no such row."""
    query = select(User.token_version, User.active, User.role).where(User.id == user_id)
    row = (await session.execute(query)).one_or_none()
    return None if row is None else (int(row[0]), bool(row[1]), str(row[2]))


async def session_alive(session: AsyncSession, family_id: uuid.UUID) -> bool:
    """A session lives while its refresh-token family has a token not revoked (rotation
    revokes the old link and adds the new one in the same transaction)."""
    query = select(RefreshToken.id).where(
        RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None)
    )
    return (await session.execute(query.limit(1))).first() is not None
