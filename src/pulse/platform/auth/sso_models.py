"""Which Pulse user an identity at the OpenID provider is: (issuer, subject) → user.

A table of its own rather than columns on `users`: an account is linked to a provider's
subject only by its first sight there (never by a matching name or email, which would let
whoever controls that name at the provider take over a local account)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, UtcDateTime


class SsoIdentity(Base):
    __tablename__ = "sso_identities"

    issuer: Mapped[str] = mapped_column(String(255), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
