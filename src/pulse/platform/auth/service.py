"""User administration, sessions and token rotation. Sign-in itself is auth/login.py."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from pulse.platform.audit.service import record
from pulse.platform.auth import repository as repo
from pulse.platform.auth import sessions
from pulse.platform.auth.events import RefreshTokenReused, UserCreated, UserUpdated
from pulse.platform.auth.models import User
from pulse.platform.auth.notify import announce
from pulse.platform.auth.passwords import HashPool
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
from pulse.platform.errors import Conflict, NotFound, PulseError, Unauthorized
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork

BAD_CREDENTIALS = "invalid username or password"


class Rejected(Exception):
    """A refusal whose bookkeeping (a failure count, a revoked token family) must still be
    committed: the caller commits, then raises `error`. `ended_session` names a session
    (refresh-token family) that this refusal ended, for the caller to forget at once."""

    def __init__(self, error: PulseError, *, ended_session: uuid.UUID | None = None) -> None:
        super().__init__(error.detail)
        self.error = error
        self.ended_session = ended_session


def user_read(u: User) -> UserRead:
    return UserRead.model_validate(u, from_attributes=True)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# -- users -----------------------------------------------------------------------------------
async def new_user(
    uow: UnitOfWork,
    username: str,
    email: str | None,
    password_hash: str,
    role: str,
    now: datetime,
) -> User:
    """A new, active user who has never signed in."""
    user = User(
        id=uuid.uuid4(),
        username=username,
        email=email,
        password_hash=password_hash,
        role=role,
        active=True,
        created_at=now,
        updated_at=now,
        last_login_at=None,
    )
    await repo.add_user(uow.session, user)
    return user


async def create_user(uow: UnitOfWork, data: UserCreate, *, hashing: HashPool) -> UserRead:
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
    password_hash = await hashing.hash(data.password)
    user = await new_user(uow, data.username, email, password_hash, data.role.value, utcnow())
    uow.emit(UserCreated(user_id=user.id, username=user.username, role=user.role, email=email))
    record(
        uow,
        action="users.create",
        subject_type="user",
        subject_id=user.id,
        after={"username": user.username, "email": email, "role": user.role, "active": True},
    )
    return user_read(user)


async def list_users(uow: UnitOfWork, *, limit: int, offset: int) -> UserPage:
    users, total = await repo.list_users(uow.session, limit=limit, offset=offset)
    return UserPage(items=[user_read(u) for u in users], total=total, limit=limit, offset=offset)


async def user_id_for(uow: UnitOfWork, username: str) -> uuid.UUID:
    user = await repo.get_user_by_username(uow.session, username.strip().lower())
    if user is None:
        raise NotFound(f"no user named '{username}'", code="user_not_found")
    return user.id


async def update_user(
    uow: UnitOfWork, user_id: uuid.UUID, data: UserUpdate, *, hashing: HashPool
) -> UserRead:
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
    before: dict[str, str | bool | None] = {}
    if role != user.role:
        before["role"] = user.role
        changes["role"] = role
        user.role = role
    if active != user.active:
        before["active"] = user.active
        changes["active"] = active
        user.active = active
    if data.password is not None:
        user.password_hash = await hashing.hash(data.password)
        changes["password"] = "changed"
    if not changes:
        return user_read(user)
    now = utcnow()
    user.updated_at = now
    # Access tokens issued before carry the old version and stop working (auth/revocation.py);
    # enabling an account again keeps them stopped.
    if "role" in changes or "password" in changes or not active:
        user.token_version += 1
        await announce(uow.session, user_id=user.id)
    await uow.session.flush()
    # A new password or a disabled account ends every session at its next refresh.
    if "password" in changes or not active:
        await repo.revoke_all_for_user(uow.session, user.id, at=now)
    uow.emit(UserUpdated(user_id=user.id, username=user.username, changes=changes))
    if "password" in changes:
        before["password"] = "previous"  # never a hash, only that it changed
    record(
        uow,
        action="users.update",
        subject_type="user",
        subject_id=user.id,
        before=before,
        after=changes,
    )
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


async def end_sessions(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    """Stop every token of a user: access tokens (long-lived ones too) and refresh tokens."""
    user = await repo.get_user(uow.session, user_id, for_update=True)
    if user is None:
        raise NotFound(f"user {user_id} not found", code="user_not_found")
    user.token_version += 1
    await announce(uow.session, user_id=user.id)
    user.updated_at = now = utcnow()
    await uow.session.flush()
    await repo.revoke_all_for_user(uow.session, user.id, at=now)
    uow.emit(UserUpdated(user_id=user.id, username=user.username, changes={"tokens": "revoked"}))
    record(
        uow,
        action="users.end_sessions",
        subject_type="user",
        subject_id=user.id,
        before={"token_version": user.token_version - 1},
        after={"token_version": user.token_version},
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


async def issue_session(
    uow: UnitOfWork,
    user: User,
    *,
    now: datetime,
    tokens: TokenCodec,
    settings: Settings,
    client: sessions.Client,
) -> TokenResponse:
    """A new session (refresh-token family) for a user who has just signed in."""
    family_id = uuid.uuid4()
    await sessions.start(uow, family_id, user.id, client, now=now)
    refresh = await _new_refresh_token(
        uow, user.id, family_id=family_id, now=now, settings=settings
    )
    return _token_response(user, refresh, tokens, family_id=family_id)


def _token_response(
    user: User, refresh: tuple[uuid.UUID, str], tokens: TokenCodec, *, family_id: uuid.UUID
) -> TokenResponse:
    access = tokens.issue(
        user_id=user.id,
        username=user.username,
        role=user.role,
        version=user.token_version,
        session_id=family_id,
    )
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
        await announce(uow.session, session_id=stored.family_id)
        raise Rejected(invalid, ended_session=stored.family_id)
    user = await repo.get_user(uow.session, stored.user_id)
    if user is None or not user.active:
        await repo.revoke_family(uow.session, stored.family_id, at=now)
        await announce(uow.session, session_id=stored.family_id)
        raise Rejected(invalid, ended_session=stored.family_id)
    new_id, raw = await _new_refresh_token(
        uow, user.id, family_id=stored.family_id, now=now, settings=settings
    )
    if not await repo.revoke_token(uow.session, stored.id, at=now, replaced_by=new_id):
        raise invalid
    return _token_response(user, (new_id, raw), tokens, family_id=stored.family_id)


async def logout(uow: UnitOfWork, raw_token: str) -> uuid.UUID | None:
    """End the session of a refresh token: its whole family is revoked, which also stops the
    session's access tokens. Returns the session, or None for a token never issued (not an
    error: the outcome the caller wants holds either way)."""
    stored = await repo.refresh_token_by_hash(uow.session, hash_token(raw_token))
    if stored is None:
        return None
    await sessions.end_now(uow, stored.family_id, stored.user_id, reason="signed_out", by=None)
    return stored.family_id
