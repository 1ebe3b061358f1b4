"""Events about users and sign-ins. Passwords and tokens never appear in a payload."""

from __future__ import annotations

import uuid
from datetime import datetime

from pulse.platform.events import Event


class UserCreated(Event):
    type = "user.created"
    aggregate_type = "user"
    user_id: uuid.UUID
    username: str
    role: str
    email: str | None = None

    def aggregate_id(self) -> str:
        return str(self.user_id)


class UserUpdated(Event):
    type = "user.updated"
    aggregate_type = "user"
    user_id: uuid.UUID
    username: str
    # Field name -> new value; a password change shows as {"password": "changed"}.
    changes: dict[str, str | bool | None]

    def aggregate_id(self) -> str:
        return str(self.user_id)


class UserLoggedIn(Event):
    type = "user.logged_in"
    aggregate_type = "user"
    user_id: uuid.UUID
    username: str

    def aggregate_id(self) -> str:
        return str(self.user_id)


class LoginLockedOut(Event):
    type = "user.login_locked"
    aggregate_type = "login"
    username: str
    failures: int
    locked_until: datetime

    def aggregate_id(self) -> str:
        return self.username


class RefreshTokenReused(Event):
    """A revoked refresh token came back: someone holds a stolen copy; its family is revoked."""

    type = "user.refresh_token_reused"
    aggregate_type = "user"
    user_id: uuid.UUID
    family_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.user_id)


class UserProvisioned(Event):
    """A user made on first sign-in through the single sign-on provider."""

    type = "user.provisioned"
    aggregate_type = "user"
    user_id: uuid.UUID
    username: str
    role: str
    email: str | None = None
    issuer: str
    subject: str
    provider_roles: list[str]

    def aggregate_id(self) -> str:
        return str(self.user_id)


EVENTS: tuple[type[Event], ...] = (
    UserCreated,
    UserUpdated,
    UserLoggedIn,
    LoginLockedOut,
    RefreshTokenReused,
    UserProvisioned,
)
