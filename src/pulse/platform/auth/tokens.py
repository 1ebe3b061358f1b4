"""Short-lived JWT access tokens (HS256) and what they carry.

Besides who and which role, a token carries the user's token version (`ver`) and, when it
comes from a login, its session (`sid`: the refresh-token family), so that a disabled
account, a new password or role, or a logout can stop it before it expires
(see auth/revocation.py). A token without `ver` (issued before versions existed) counts as
version 0.

Tokens are signed with the current key of a key ring and name it in their `kid` header;
the keys it replaced verify until their tokens expire (auth/keys.py).
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

import jwt

from pulse.platform.auth.keys import KeyRing, SigningKey
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
    token_version: int = 0
    session_id: uuid.UUID | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class TokenCodec:
    # Tokens verified lately, so a client sending the same token again costs a dict lookup
    # instead of an HMAC and a claims check; each entry is still held to its `exp`.
    CACHE_SIZE = 4096

    def __init__(self, keys: KeyRing | str, *, issuer: str, ttl_seconds: int) -> None:
        # A plain secret is a ring of that one key.
        self.keys = keys if isinstance(keys, KeyRing) else KeyRing.of_secret(keys)
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds
        # token -> (principal, expiry, key id): a hit still needs its key in the ring, so a
        # key dropped at once (`pulse auth rotate-key --drop-previous`) stops its tokens.
        self._verified: dict[str, tuple[Principal, float, str | None]] = {}

    def issue(
        self,
        *,
        user_id: uuid.UUID,
        username: str,
        role: str,
        ttl_seconds: int | None = None,
        version: int = 0,
        session_id: uuid.UUID | None = None,
    ) -> str:
        """An access token; valid for `ttl_seconds` when given, else the configured lifetime."""
        now = utcnow()
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        claims: dict[str, object] = {
            "sub": str(user_id),
            "name": username,
            "role": role,
            "iss": self.issuer,
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
            "typ": "access",
            "ver": version,
        }
        if session_id is not None:
            claims["sid"] = str(session_id)
        key = self.keys.current
        return jwt.encode(claims, key.secret, algorithm="HS256", headers={"kid": key.kid})

    def verify(self, token: str) -> Principal:
        """The principal of a valid access token; the revocation check is the caller's
        (auth/revocation.py)."""
        known = self._verified.get(token)
        if known is not None:
            principal, expires, kid = known
            if time.time() < expires and (kid is None or self.keys.find(kid) is not None):
                return principal
            del self._verified[token]
        principal, expires, kid = self._decode(token)
        if len(self._verified) >= self.CACHE_SIZE:
            # Forget the oldest quarter (dicts keep insertion order).
            for stale in list(itertools.islice(self._verified, self.CACHE_SIZE // 4)):
                del self._verified[stale]
        self._verified[token] = (principal, expires, kid)
        return principal

    def _keys_for(self, token: str) -> tuple[list[SigningKey], str | None]:
        invalid = Unauthorized("the access token is not valid", code="invalid_token")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise invalid from exc
        if kid is None:  # issued before key ids: any key the ring accepts may have signed it
            return self.keys.accepted(), None
        if not isinstance(kid, str):
            raise invalid
        key = self.keys.find(kid)
        if key is None:
            raise Unauthorized(
                "the access token is signed with a key that is not (or no longer) accepted",
                code="invalid_token",
            )
        return [key], kid

    def _decode(self, token: str) -> tuple[Principal, float, str | None]:
        keys, kid = self._keys_for(token)
        claims: dict[str, object] | None = None
        for key in keys:
            try:
                claims = jwt.decode(
                    token,
                    key.secret,
                    algorithms=["HS256"],
                    issuer=self.issuer,
                    options={"require": ["exp", "sub", "iss"]},
                )
                break
            except jwt.InvalidSignatureError as exc:
                if key is keys[-1]:
                    raise Unauthorized(
                        "the access token is not valid", code="invalid_token"
                    ) from exc
            except jwt.ExpiredSignatureError as exc:
                raise Unauthorized("the access token has expired", code="token_expired") from exc
            except jwt.PyJWTError as exc:
                raise Unauthorized("the access token is not valid", code="invalid_token") from exc
        if claims is None:
            raise Unauthorized("the access token is not valid", code="invalid_token")
        if claims.get("typ") != "access":
            raise Unauthorized("not an access token", code="invalid_token")
        version = claims.get("ver", 0)
        sid = claims.get("sid")
        try:
            user_id = uuid.UUID(str(claims["sub"]))
            session_id = None if sid is None else uuid.UUID(str(sid))
        except (ValueError, TypeError, AttributeError) as exc:
            raise Unauthorized("the access token is not valid", code="invalid_token") from exc
        if type(version) is not int:
            raise Unauthorized("the access token is not valid", code="invalid_token")
        role = str(claims.get("role", ""))
        principal = Principal(
            user_id=user_id,
            username=str(claims.get("name", "")),
            role=role,
            permissions=permissions_for(role),
            token_version=version,
            session_id=session_id,
        )
        # `exp` is required and PyJWT has checked it is a number.
        return principal, float(cast(float, claims["exp"])), kid
