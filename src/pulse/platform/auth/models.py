"""Auth tables: users, their refresh tokens, and the login throttles (per user name and per
client address)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, UtcDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Stored lower-case so that "Admin" and "admin" cannot be two accounts.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Carried by every access token; raised when the account is disabled or its password or
    # role changes, which stops the tokens issued before (see auth/revocation.py).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RefreshToken(Base):
    """One link of a rotation chain; the chain (family) shares `family_id`.

    Only the SHA-256 of the token is kept, so a leaked table cannot be replayed.
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    replaced_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class _ThrottleCounts:
    """Attempts counted against one key; an attempt counts as a failure from the moment it is
    let through until it turns out right (see auth/login.py)."""

    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginThrottle(_ThrottleCounts, Base):
    """Failed logins per username, kept apart from `users` so unknown names are throttled too
    (otherwise the lockout itself would tell an attacker which names exist)."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_login_throttle_last_failure_at", "last_failure_at"),)


class AddressThrottle(_ThrottleCounts, Base):
    """Failed logins per client address (an IPv6 client by its /64), so guessing across many
    user names from one place meets a limit too. A table of its own: a login name can be any
    text, and must never be able to lock someone's address."""

    __tablename__ = "login_address_throttle"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_login_address_throttle_last_failure_at", "last_failure_at"),)
