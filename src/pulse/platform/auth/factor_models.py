"""Tables of sign-in sessions and the second factor: a row per session (the refresh-token
family of a sign-in), a user's TOTP secret and recovery codes, the short-lived challenges of
the second sign-in step, and the roles that must have a second factor."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, UtcDateTime


class AuthSession(Base):
    """One sign-in: its id is the refresh-token family its tokens carry as `sid`. It lives
    while the family has a token neither revoked nor expired (see sessions_repository)."""

    __tablename__ = "auth_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    # What the User-Agent says, read for people ("Firefox on Linux"), and the header itself.
    device: Mapped[str] = mapped_column(String(120))
    user_agent: Mapped[str] = mapped_column(String(400))
    address: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Written at most once a minute per session and process, never on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(64))
    end_reason: Mapped[str | None] = mapped_column(String(20))


class TotpFactor(Base):
    """A user's TOTP secret (RFC 6238); active once confirmed with a code. `last_step` is the
    time step of the last code accepted: a code of that step or an earlier one is refused."""

    __tablename__ = "totp_factors"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Base):
    """One single-use recovery code; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginChallenge(Base):
    """The second step of a sign-in whose password was right: a code to give (`totp`), or a
    second factor to enrol first (`enrol`). Only the SHA-256 of its token is kept."""

    __tablename__ = "login_challenges"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SecondFactorRole(Base):
    """A role whose users must sign in with a second factor (a setting of the hub)."""

    __tablename__ = "second_factor_roles"

    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    required_at: Mapped[datetime] = mapped_column(UtcDateTime())
    required_by: Mapped[str | None] = mapped_column(String(64))
