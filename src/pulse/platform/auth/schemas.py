"""API shapes of sign-in, tokens and user administration."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, StrictBool, StringConstraints

from pulse.platform.api import Page
from pulse.platform.auth.permissions import Role
from pulse.platform.validation import RequestModel

# Lower-cased on the way in: usernames are case-insensitive.
Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$",
    ),
]
LoginName = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)
]
# A cap well above any real password keeps one request from costing seconds of hashing.
NewPassword = Annotated[str, StringConstraints(min_length=10, max_length=1024)]
AnyPassword = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Email = Annotated[EmailStr, StringConstraints(max_length=254)]
OpaqueToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LoginRequest(RequestModel):
    username: LoginName
    password: AnyPassword


class RefreshRequest(RequestModel):
    refresh_token: OpaqueToken


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: str
    username: str


class MeRead(BaseModel):
    id: uuid.UUID
    username: str
    role: str
    permissions: list[str]
    email: str | None = None
    last_login_at: datetime | None = None
    currency: str = "EUR"


class UserCreate(RequestModel):
    username: Username
    password: NewPassword
    role: Role
    email: Email | None = None


class UserUpdate(RequestModel):
    """Every field optional; only the ones sent change."""

    role: Role | None = None
    # Strict: "yes" or 1 does not enable an account; the schema says boolean.
    active: StrictBool | None = None
    password: NewPassword | None = None


class UserRead(BaseModel):
    id: uuid.UUID
    username: str
    email: str | None
    role: str
    active: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


class UserPage(Page[UserRead]):
    pass
