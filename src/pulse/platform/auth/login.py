"""Sign-in: the budgets that bound password guessing, around the password check.

A login runs in three steps so the slow argon2 check never holds a transaction (on SQLite
that would stall every other writer of the process):

1. `reserve` (a short write transaction; `open_keys` first for a name or address never
   seen): the client address and the user name each give the attempt one of their allowed
   failures, atomically, before any password is checked.
   With none left the login is refused with 429 whatever the password, so of N parallel
   guesses at most the allowed number are checked, and a right password that arrives after
   the limit gets exactly the answer of the wrong ones.
2. the password check, on the hash pool (auth/passwords.py).
3. `succeed` (write transaction) clears the name's count, gives the address its attempt
   back and issues tokens; a wrong password leaves the counts as reserved, and
   `record_lockout` notes the lockout when this attempt used the name's last one.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.audit.service import record
from pulse.platform.auth import challenges, second_factor
from pulse.platform.auth import repository as repo
from pulse.platform.auth.events import LoginLockedOut, UserLoggedIn
from pulse.platform.auth.factor_schemas import SecondFactorChallenge
from pulse.platform.auth.models import AddressThrottle, LoginThrottle
from pulse.platform.auth.passwords import HashPool, needs_rehash
from pulse.platform.auth.repository import Throttle
from pulse.platform.auth.schemas import TokenResponse
from pulse.platform.auth.service import BAD_CREDENTIALS, Rejected, issue_session
from pulse.platform.auth.sessions import Client
from pulse.platform.auth.tokens import TokenCodec
from pulse.platform.errors import TooManyRequests, Unauthorized
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork

# Failures further apart than this no longer add up towards a user name's lockout.
FAILURE_MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class Attempt:
    """A login let through both budgets, and what its password is to be checked against."""

    username: str
    address: str
    user_id: uuid.UUID | None
    password_hash: str | None
    # This attempt used the name's last allowed failure (and set the lock).
    locks_name: bool
    failures: int
    locked_until: datetime | None


def _wait(until: datetime | None, now: datetime, fallback: int) -> int:
    if until is None:
        return fallback
    return max(1, math.ceil((until - now).total_seconds()))


def _budgets(settings: Settings, now: datetime) -> dict[Throttle, dict[str, Any]]:
    return {
        AddressThrottle: {
            "forget_before": now - timedelta(seconds=settings.login_address_window_seconds),
            "max_failures": settings.login_address_max_failures,
            "lock_until": now + timedelta(seconds=settings.login_address_window_seconds),
        },
        LoginThrottle: {
            "forget_before": now - FAILURE_MEMORY,
            "max_failures": settings.login_max_failures,
            "lock_until": now + timedelta(seconds=settings.login_lockout_seconds),
        },
    }


async def open_keys(uow: UnitOfWork, username: str, address: str, *, settings: Settings) -> None:
    """Give a new name or address its throttle row (nothing counted yet), in a transaction
    of its own before `reserve`; new keys are also the moment to drop stale rows."""
    now = utcnow()
    for model, budget in _budgets(settings, now).items():
        key = address if model is AddressThrottle else username
        await repo.open_key(uow.session, model, key, now=now)
        await repo.prune(uow.session, model, forget_before=budget["forget_before"], now=now)


async def _take(
    session: AsyncSession,
    model: Throttle,
    key: str,
    now: datetime,
    budgets: dict[Throttle, dict[str, Any]],
    *,
    inline: bool,
) -> repo.Taken | None:
    taken = await repo.take_attempt(session, model, key, now=now, **budgets[model])
    if taken is None and inline:
        await repo.open_key(session, model, key, now=now)
        await repo.prune(session, model, forget_before=budgets[model]["forget_before"], now=now)
        taken = await repo.take_attempt(session, model, key, now=now, **budgets[model])
    return taken


def _refuse_if_locked(
    taken: repo.Taken, now: datetime, window_seconds: int, code: str, whence: str
) -> None:
    """429 when the budget had no attempt left, saying how long to wait."""
    if not taken.taken:
        wait = _wait(taken.locked_until, now, window_seconds)
        raise TooManyRequests(
            f"too many failed logins{whence}; try again in {wait} seconds",
            code=code,
            extra={"retry_after": wait},
        )


async def reserve(
    uow: UnitOfWork, username: str, address: str, *, settings: Settings
) -> Attempt | None:
    """Take one attempt from the address's and the name's budgets, or raise 429. None when
    either has no throttle row yet: the caller runs `open_keys`, then this again."""
    now = utcnow()
    session = uow.session
    budgets = _budgets(settings, now)
    # Only MariaDB needs new rows made in a transaction of their own (see take_attempt);
    # elsewhere this saves a login for a new name two commits.
    inline = uow.dialect != "mysql"
    by_address = await _take(session, AddressThrottle, address, now, budgets, inline=inline)
    if by_address is None:
        return None
    window = settings.login_address_window_seconds
    _refuse_if_locked(by_address, now, window, "address_locked", " from your address")
    by_name = await _take(session, LoginThrottle, username, now, budgets, inline=inline)
    if by_name is None:
        return None
    # The caller rolls back: a refused attempt uses nothing of the address's budget.
    _refuse_if_locked(by_name, now, settings.login_lockout_seconds, "login_locked", "")
    user = await repo.get_user_by_username(session, username)
    return Attempt(
        username=username,
        address=address,
        user_id=None if user is None else user.id,
        password_hash=None if user is None else user.password_hash,
        locks_name=by_name.failures >= settings.login_max_failures,
        failures=by_name.failures,
        locked_until=by_name.locked_until,
    )


def record_failure(uow: UnitOfWork, attempt: Attempt, *, reason: str) -> None:
    """A failed sign-in goes on the audit log (who tried, from where, why it failed)."""
    record(
        uow,
        action="auth.sign_in_failed",
        subject_type="login",
        subject_id=attempt.username,
        actor=attempt.username,
        after={"reason": reason, "failures": attempt.failures},
    )


def record_lockout(uow: UnitOfWork, attempt: Attempt) -> None:
    """A wrong password that used the name's last attempt: the lockout goes on record."""
    if attempt.locked_until is not None:
        uow.emit(
            LoginLockedOut(
                username=attempt.username,
                failures=attempt.failures,
                locked_until=attempt.locked_until,
            )
        )


async def succeed(
    uow: UnitOfWork,
    attempt: Attempt,
    *,
    password: str,
    tokens: TokenCodec,
    settings: Settings,
    hashing: HashPool,
    client: Client,
) -> TokenResponse | SecondFactorChallenge:
    """The right password: clear the counts and sign in, or, for a user with a second
    factor (or whose role requires one), the challenge of the second step. Raises
    `Rejected` for an account that is disabled, and `Unauthorized` if the password changed
    while it was checked."""
    assert attempt.user_id is not None
    now = utcnow()
    session = uow.session
    user = await repo.get_user(session, attempt.user_id, for_update=True)
    if user is None or user.password_hash != attempt.password_hash:
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    # A right password is not a failure: neither budget keeps it. With a second factor to
    # come, the name's earlier failures stay counted until the code is right too.
    await repo.give_back_attempt(
        session, AddressThrottle, attempt.address, max_failures=settings.login_address_max_failures
    )
    if not user.active:
        await repo.clear_throttle(session, user.username)
        record_failure(uow, attempt, reason="account_disabled")
        raise Rejected(Unauthorized("this account is disabled", code="account_disabled"))
    if needs_rehash(user.password_hash):
        user.password_hash = await hashing.hash(password)
    second = await second_factor.needed(uow, user)
    if second is not None:
        await repo.give_back_attempt(
            session, LoginThrottle, user.username, max_failures=settings.login_max_failures
        )
        return await challenges.open_challenge(uow, user, second, client, now=now)
    await repo.clear_throttle(session, user.username)
    user.last_login_at = now
    await session.flush()
    await repo.delete_expired_tokens(session, user.id, now=now)
    response = await issue_session(
        uow, user, now=now, tokens=tokens, settings=settings, client=client
    )
    uow.emit(UserLoggedIn(user_id=user.id, username=user.username))
    return response
