"""Short-lived JWT access tokens (HS256) and what they carry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import jwt

from pulse.platform.auth.permissions import permissions_for
from pulse.platform.errors import Unauthorized
from pulse.platform.events import utcnow


@dataclass(frozen=True)
class Principal:
    """Who is calling: taken from a verified access token."""

    user_id: uuid.UUID
    username: str
    role: str
    permissions: frozenset[str] = field(default_factory=frozenset)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class TokenCodec:
    def __init__(self, secret: str, *, issuer: str, ttl_seconds: int) -> None:
        self._secret = secret
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds

    def issue(
        self, *, user_id: uuid.UUID, username: str, role: str, ttl_seconds: int | None = None
    ) -> str:
        """An access token; valid for `ttl_seconds` when given, else the configured lifetime."""
        now = utcnow()
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        claims = {
            "sub": str(user_id),
            "name": username,
            "role": role,
            "iss": self.issuer,
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
            "typ": "access",
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=self.issuer,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the access token has expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("the access token is not valid", code="invalid_token") from exc
        if claims.get("typ") != "access":
            raise Unauthorized("not an access token", code="invalid_token")
        try:
            user_id = uuid.UUID(claims["sub"])
        except (ValueError, TypeError) as exc:
            raise Unauthorized("the access token is not valid", code="invalid_token") from exc
        role = str(claims.get("role", ""))
        return Principal(
            user_id=user_id,
            username=str(claims.get("name", "")),
            role=role,
            permissions=permissions_for(role),
        )
