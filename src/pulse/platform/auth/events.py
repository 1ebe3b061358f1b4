"""Events about users and sign-ins. Passwords and tokens never appear in a payload."""

from __future__ import annotations

import uuid
from datetime import datetime

from pulse.platform.events import Event


class UserEvent(Event):
    """An event about one user, who is named in it too (the audit log shows the name)."""

    aggregate_type = "user"
    aggregate_field = "user_id"
    user_id: uuid.UUID
    username: str


class UserCreated(UserEvent):
    type = "user.created"
    role: str
    email: str | None = None


class UserUpdated(UserEvent):
    type = "user.updated"
    # Field name -> new value; a password change shows as {"password": "changed"}.
    changes: dict[str, str | bool | None]


class UserLoggedIn(UserEvent):
    type = "user.logged_in"


class LoginLockedOut(Event):
    type = "user.login_locked"
    aggregate_type = "login"
    aggregate_field = "username"
    username: str
    failures: int
    locked_until: datetime


class RefreshTokenReused(Event):
    """A revoked refresh token came back: someone holds a stolen copy; its family is revoked."""

    type = "user.refresh_token_reused"
    aggregate_type = "user"
    aggregate_field = "user_id"
    user_id: uuid.UUID
    family_id: uuid.UUID


class UserProvisioned(UserEvent):
    """A user made on first sign-in through the single sign-on provider."""

    type = "user.provisioned"
    role: str
    email: str | None = None
    issuer: str
    subject: str
    provider_roles: list[str]


EVENTS: tuple[type[Event], ...] = (
    UserCreated,
    UserUpdated,
    UserLoggedIn,
    LoginLockedOut,
    RefreshTokenReused,
    UserProvisioned,
)
