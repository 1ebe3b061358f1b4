"""Sign-in, token rotation and user administration.

Login runs in two transactions around the password check (see `api.login`), so the slow
argon2 verification never holds a write transaction — on SQLite that would stall every
other writer in the process.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pulse.platform.auth import passwords
from pulse.platform.auth import repository as repo
from pulse.platform.auth.events import (
    LoginLockedOut,
    RefreshTokenReused,
    UserCreated,
    UserLoggedIn,
    UserUpdated,
)
from pulse.platform.auth.models import User
from pulse.platform.auth.permissions import Role
from pulse.platform.auth.schemas import (
    MeRead,
    TokenResponse,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from pulse.platform.auth.tokens import Principal, TokenCodec
from pulse.platform.errors import (
    Conflict,
    NotFound,
    PulseError,
    TooManyRequests,
    Unauthorized,
)
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork

# Failures further apart than this no longer add up towards a lockout.
FAILURE_MEMORY = timedelta(days=1)
BAD_CREDENTIALS = "invalid username or password"


class Rejected(Exception):
    """A refusal whose bookkeeping (a failure count, a revoked token family) must still be
    committed: the caller commits, then raises `error`."""

    def __init__(self, error: PulseError) -> None:
        super().__init__(error.detail)
        self.error = error


def user_read(u: User) -> UserRead:
    return UserRead(
        id=u.id,
        username=u.username,
        email=u.email,
        role=u.role,
        active=u.active,
        created_at=u.created_at,
        updated_at=u.updated_at,
        last_login_at=u.last_login_at,
    )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# -- users -----------------------------------------------------------------------------------
async def create_user(uow: UnitOfWork, data: UserCreate) -> UserRead:
    if await repo.username_taken(uow.session, data.username):
        raise Conflict(
            f"a user named '{data.username}' already exists",
            code="duplicate_username",
            field="username",
        )
    email = str(data.email) if data.email else None
    if email and await repo.email_taken(uow.session, email):
        raise Conflict(
            f"a user with email '{email}' already exists", code="duplicate_email", field="email"
        )
    now = utcnow()
    user = User(
        id=uuid.uuid4(),
        username=data.username,
        email=email,
        password_hash=await passwords.hash_password(data.password),
        role=data.role.value,
        active=True,
        created_at=now,
        updated_at=now,
        last_login_at=None,
    )
    await repo.add_user(uow.session, user)
    uow.emit(UserCreated(user_id=user.id, username=user.username, role=user.role, email=email))
    return user_read(user)


async def list_users(uow: UnitOfWork, *, limit: int, offset: int) -> UserPage:
    users, total = await repo.list_users(uow.session, limit=limit, offset=offset)
    return UserPage(items=[user_read(u) for u in users], total=total, limit=limit, offset=offset)


async def user_id_for(uow: UnitOfWork, username: str) -> uuid.UUID:
    user = await repo.get_user_by_username(uow.session, username.strip().lower())
    if user is None:
        raise NotFound(f"no user named '{username}'", code="user_not_found")
    return user.id


async def update_user(uow: UnitOfWork, user_id: uuid.UUID, data: UserUpdate) -> UserRead:
    user = await repo.get_user(uow.session, user_id, for_update=True)
    if user is None:
        raise NotFound(f"user {user_id} not found", code="user_not_found")
    role = data.role.value if data.role is not None else user.role
    active = data.active if data.active is not None else user.active
    stays_admin = role == Role.ADMIN and active
    if user.role == Role.ADMIN and user.active and not stays_admin:
        if await repo.count_active_admins(uow.session) <= 1:
            raise Conflict("at least one active admin must remain", code="last_admin")
    changes: dict[str, str | bool | None] = {}
    if role != user.role:
        changes["role"] = role
        user.role = role
    if active != user.active:
        changes["active"] = active
        user.active = active
    if data.password is not None:
        user.password_hash = await passwords.hash_password(data.password)
        changes["password"] = "changed"
    if not changes:
        return user_read(user)
    now = utcnow()
    user.updated_at = now
    await uow.session.flush()
    # A new password or a disabled account ends every session at its next refresh.
    if "password" in changes or not active:
        await repo.revoke_all_for_user(uow.session, user.id, at=now)
    uow.emit(UserUpdated(user_id=user.id, username=user.username, changes=changes))
    return user_read(user)


async def me(uow: UnitOfWork, principal: Principal) -> MeRead:
    # Authority comes from the token; the row (when there is one) adds the profile.
    user = await repo.get_user(uow.session, principal.user_id)
    return MeRead(
        id=principal.user_id,
        username=principal.username,
        role=principal.role,
        permissions=sorted(principal.permissions),
        email=user.email if user else None,
        last_login_at=user.last_login_at if user else None,
    )


# -- login -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginCandidate:
    username: str
    user_id: uuid.UUID | None
    password_hash: str | None


def _locked(seconds_left: float) -> TooManyRequests:
    wait = max(1, math.ceil(seconds_left))
    return TooManyRequests(
        f"too many failed logins; try again in {wait} seconds",
        code="login_locked",
        extra={"retry_after": wait},
    )


async def _refuse_if_locked(uow: UnitOfWork, username: str, now: datetime) -> None:
    throttle = await repo.get_throttle(uow.session, username)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        raise _locked((throttle.locked_until - now).total_seconds())


async def login_candidate(uow: UnitOfWork, username: str) -> LoginCandidate:
    """The first, read-only step of a login: refuse a locked name, find the hash to check."""
    await _refuse_if_locked(uow, username, utcnow())
    user = await repo.get_user_by_username(uow.session, username)
    if user is None:
        return LoginCandidate(username, None, None)
    return LoginCandidate(username, user.id, user.password_hash)


async def complete_login(
    uow: UnitOfWork,
    candidate: LoginCandidate,
    *,
    password: str,
    password_ok: bool,
    tokens: TokenCodec,
    settings: Settings,
) -> TokenResponse:
    """The second step, after the password check. Raises `Rejected` for a wrong password."""
    now = utcnow()
    if not password_ok or candidate.user_id is None:
        await _record_failure(uow, candidate.username, now=now, settings=settings)
        raise Rejected(Unauthorized(BAD_CREDENTIALS, code="invalid_credentials"))
    # A burst of failures may have locked the name while this password was being checked.
    await _refuse_if_locked(uow, candidate.username, now)
    user = await repo.get_user(uow.session, candidate.user_id, for_update=True)
    if user is None or user.password_hash != candidate.password_hash:
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    if not user.active:
        raise Unauthorized("this account is disabled", code="account_disabled")
    await repo.clear_throttle(uow.session, user.username)
    user.last_login_at = now
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password(password)
    await uow.session.flush()
    await repo.delete_expired_tokens(uow.session, user.id, now=now)
    refresh = await _new_refresh_token(
        uow, user.id, family_id=uuid.uuid4(), now=now, settings=settings
    )
    uow.emit(UserLoggedIn(user_id=user.id, username=user.username))
    return _token_response(user, refresh, tokens)


async def _record_failure(
    uow: UnitOfWork, username: str, *, now: datetime, settings: Settings
) -> None:
    session = uow.session
    await repo.prune_throttle(session, stale_before=now - FAILURE_MEMORY, now=now)
    row = await repo.get_throttle(session, username, for_update=True)
    if row is None and not await repo.start_throttle(session, username, now=now):
        # A concurrent failure inserted the row first; count on top of it.
        row = await repo.get_throttle(session, username, for_update=True)
    if row is None:
        failures = 1
    else:
        lock_over = row.locked_until is not None and row.locked_until <= now
        forgotten = row.last_failure_at < now - FAILURE_MEMORY
        failures = 1 if lock_over or forgotten else row.failures + 1
    locked_until = None
    if failures >= settings.login_max_failures:
        locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
        uow.emit(LoginLockedOut(username=username, failures=failures, locked_until=locked_until))
    await repo.save_throttle(
        session, username, failures=failures, now=now, locked_until=locked_until
    )


# -- refresh tokens --------------------------------------------------------------------------
async def _new_refresh_token(
    uow: UnitOfWork, user_id: uuid.UUID, *, family_id: uuid.UUID, now: datetime, settings: Settings
) -> tuple[uuid.UUID, str]:
    raw = secrets.token_urlsafe(32)
    token_id = uuid.uuid4()
    await repo.add_refresh_token(
        uow.session,
        {
            "id": token_id,
            "user_id": user_id,
            "family_id": family_id,
            "token_hash": hash_token(raw),
            "created_at": now,
            "expires_at": now + timedelta(seconds=settings.refresh_token_ttl_seconds),
            "revoked_at": None,
            "replaced_by": None,
        },
    )
    return token_id, raw


def _token_response(
    user: User, refresh: tuple[uuid.UUID, str], tokens: TokenCodec
) -> TokenResponse:
    access = tokens.issue(user_id=user.id, username=user.username, role=user.role)
    return TokenResponse(
        access_token=access,
        refresh_token=refresh[1],
        expires_in=tokens.ttl_seconds,
        role=user.role,
        username=user.username,
    )


async def refresh(
    uow: UnitOfWork, raw_token: str, *, tokens: TokenCodec, settings: Settings
) -> TokenResponse:
    """Trade a refresh token for a new pair. A token that was already used means a copy is
    loose: the whole family is revoked and `Rejected` raised."""
    invalid = Unauthorized("the refresh token is not valid", code="invalid_refresh_token")
    now = utcnow()
    stored = await repo.refresh_token_by_hash(uow.session, hash_token(raw_token))
    if stored is None or stored.expires_at <= now:
        raise invalid
    if stored.revoked_at is not None:
        await repo.revoke_family(uow.session, stored.family_id, at=now)
        if stored.replaced_by is not None:
            uow.emit(RefreshTokenReused(user_id=stored.user_id, family_id=stored.family_id))
        raise Rejected(invalid)
    user = await repo.get_user(uow.session, stored.user_id)
    if user is None or not user.active:
        await repo.revoke_family(uow.session, stored.family_id, at=now)
        raise Rejected(invalid)
    new_id, raw = await _new_refresh_token(
        uow, user.id, family_id=stored.family_id, now=now, settings=settings
    )
    if not await repo.revoke_token(uow.session, stored.id, at=now, replaced_by=new_id):
        raise invalid
    return _token_response(user, (new_id, raw), tokens)


async def logout(uow: UnitOfWork, raw_token: str) -> None:
    """Revoke a refresh token. Unknown or already revoked tokens are ignored: the outcome
    the caller wants holds either way."""
    stored = await repo.refresh_token_by_hash(uow.session, hash_token(raw_token))
    if stored is not None and stored.revoked_at is None:
        await repo.revoke_token(uow.session, stored.id, at=utcnow())
