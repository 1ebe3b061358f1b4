"""All SQL of sessions, TOTP factors, recovery codes, sign-in challenges and the roles that
must use a second factor."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.auth.factor_models import (
    AuthSession,
    LoginChallenge,
    RecoveryCode,
    SecondFactorRole,
    TotpFactor,
)
from pulse.platform.auth.models import RefreshToken, User
from pulse.platform.db import one_or_none


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


# -- sessions --------------------------------------------------------------------------------
async def add_session(session: AsyncSession, values: dict[str, object]) -> None:
    await session.execute(insert(AuthSession), [values])


def _live(now: datetime) -> Any:
    """A session lives while its refresh-token family has a token neither revoked nor
    expired (logout, reuse of a stolen token and a new password revoke them)."""
    return and_(
        AuthSession.ended_at.is_(None),
        exists().where(
            RefreshToken.family_id == AuthSession.id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        ),
    )


async def live_sessions(
    session: AsyncSession,
    *,
    now: datetime,
    user_id: uuid.UUID | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[list[tuple[AuthSession, str]], int]:
    """Live sessions, most recently seen first, each with its user's name; and how many."""
    where = [_live(now)]
    if user_id is not None:
        where.append(AuthSession.user_id == user_id)
    total = (
        await session.execute(select(func.count()).select_from(AuthSession).where(*where))
    ).scalar_one()
    query = (
        select(AuthSession, User.username)
        .join(User, User.id == AuthSession.user_id)
        .where(*where)
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id)
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(query)).all()
    return [(row[0], str(row[1])) for row in rows], int(total)


async def get_session(
    session: AsyncSession, session_id: uuid.UUID, *, for_update: bool = False
) -> AuthSession | None:
    query = select(AuthSession).where(AuthSession.id == session_id)
    return await one_or_none(session, query, lock=for_update)


async def session_is_live(session: AsyncSession, session_id: uuid.UUID, *, now: datetime) -> bool:
    query = select(AuthSession.id).where(AuthSession.id == session_id, _live(now))
    return (await session.execute(query)).first() is not None


async def mark_ended(
    session: AsyncSession, session_id: uuid.UUID, *, at: datetime, by: str | None, reason: str
) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.ended_at.is_(None))
        .values(ended_at=at, ended_by=by, end_reason=reason)
    )


async def touch(
    session: AsyncSession, session_id: uuid.UUID, *, at: datetime, before: datetime
) -> None:
    """Move `last_seen_at` to `at` unless it is already later than `before` (so several
    processes write a session at most about once per interval between them)."""
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.last_seen_at < before)
        .values(last_seen_at=at)
    )


# -- TOTP factors and recovery codes --------------------------------------------------------
async def get_factor(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> TotpFactor | None:
    query = select(TotpFactor).where(TotpFactor.user_id == user_id)
    return await one_or_none(session, query, lock=for_update)


async def replace_factor(
    session: AsyncSession, user_id: uuid.UUID, secret: str, *, now: datetime
) -> None:
    """A new, unconfirmed secret for the user, in place of any unconfirmed one."""
    await session.execute(delete(TotpFactor).where(TotpFactor.user_id == user_id))
    await session.execute(
        insert(TotpFactor),
        [
            {
                "user_id": user_id,
                "secret": secret,
                "created_at": now,
                "confirmed_at": None,
                "last_step": None,
            }
        ],
    )


async def remove_factor(session: AsyncSession, user_id: uuid.UUID) -> bool:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    result = await session.execute(delete(TotpFactor).where(TotpFactor.user_id == user_id))
    return _rowcount(result) > 0


async def use_step(
    session: AsyncSession, user_id: uuid.UUID, step: int, *, confirm_at: datetime | None = None
) -> bool:
    """Record `step` as the last one used, atomically, unless that step or a later one was
    used already: of two requests with the same code, one gets True."""
    values: dict[str, object] = {"last_step": step}
    if confirm_at is not None:
        values["confirmed_at"] = confirm_at
    result = await session.execute(
        update(TotpFactor)
        .where(
            TotpFactor.user_id == user_id,
            or_(TotpFactor.last_step.is_(None), TotpFactor.last_step < step),
        )
        .values(**values)
    )
    return _rowcount(result) == 1


async def replace_recovery_codes(
    session: AsyncSession, user_id: uuid.UUID, hashes: list[str], *, now: datetime
) -> None:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    await session.execute(
        insert(RecoveryCode),
        [
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "code_hash": h,
                "created_at": now,
                "used_at": None,
            }
            for h in hashes
        ],
    )


async def use_recovery_code(
    session: AsyncSession, user_id: uuid.UUID, code_hash: str, *, at: datetime
) -> bool:
    """Spend a recovery code, atomically: True for the one request that spent it."""
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=at)
    )
    return _rowcount(result) == 1


async def recovery_codes_left(session: AsyncSession, user_id: uuid.UUID) -> int:
    query = select(func.count()).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    )
    return int((await session.execute(query)).scalar_one())


# -- sign-in challenges ----------------------------------------------------------------------
async def add_challenge(session: AsyncSession, values: dict[str, object]) -> None:
    await session.execute(insert(LoginChallenge), [values])


async def challenge_by_hash(
    session: AsyncSession, token_hash: str, *, for_update: bool = False
) -> LoginChallenge | None:
    query = select(LoginChallenge).where(LoginChallenge.token_hash == token_hash)
    return await one_or_none(session, query, lock=for_update)


async def count_challenge_attempt(
    session: AsyncSession, challenge_id: uuid.UUID, *, max_attempts: int, now: datetime
) -> bool:
    """Take one of the challenge's attempts, atomically; False when none is left, or it is
    used or expired."""
    result = await session.execute(
        update(LoginChallenge)
        .where(
            LoginChallenge.id == challenge_id,
            LoginChallenge.used_at.is_(None),
            LoginChallenge.expires_at > now,
            LoginChallenge.attempts < max_attempts,
        )
        .values(attempts=LoginChallenge.attempts + 1)
    )
    return _rowcount(result) == 1


async def use_challenge(session: AsyncSession, challenge_id: uuid.UUID, *, at: datetime) -> bool:
    result = await session.execute(
        update(LoginChallenge)
        .where(LoginChallenge.id == challenge_id, LoginChallenge.used_at.is_(None))
        .values(used_at=at)
    )
    return _rowcount(result) == 1


async def prune_challenges(session: AsyncSession, *, now: datetime) -> None:
    await session.execute(delete(LoginChallenge).where(LoginChallenge.expires_at < now))


# -- the roles that must use a second factor -------------------------------------------------
async def required_roles(session: AsyncSession) -> list[str]:
    query = select(SecondFactorRole.role).order_by(SecondFactorRole.role)
    return [str(r) for r in (await session.execute(query)).scalars()]


async def role_requires(session: AsyncSession, role: str) -> bool:
    query = select(SecondFactorRole.role).where(SecondFactorRole.role == role)
    return (await session.execute(query)).first() is not None


async def set_required_roles(
    session: AsyncSession, roles: list[str], *, now: datetime, by: str | None
) -> None:
    await session.execute(delete(SecondFactorRole).where(SecondFactorRole.role.not_in(roles)))
    present = set(await required_roles(session))
    new = [{"role": r, "required_at": now, "required_by": by} for r in roles if r not in present]
    if new:
        await session.execute(insert(SecondFactorRole), new)
