"""Access tokens of an external OpenID Connect provider (Keycloak, or any other), verified
against the provider's discovery document and keys (JWKS), and its roles mapped to Pulse's.

A token is accepted only if it is signed with an asymmetric algorithm by a key the
provider publishes, its `iss` is the configured issuer, its `aud` names Pulse's audience,
and it has not expired. Keys are cached; a token naming a key id not in the cache fetches
the keys again (the provider rotated them), but no more often than
`PULSE_OIDC_JWKS_REFRESH_SECONDS`, so a flood of made-up key ids costs the provider nothing.
PyJWT's `PyJWKClient` fetches with blocking I/O, so the keys are fetched here with httpx and
parsed with PyJWT's `PyJWKSet`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from pulse.platform.auth.permissions import Role
from pulse.platform.errors import Forbidden, PulseError, Unauthorized
from pulse.platform.settings import Settings

# Never HS*: a symmetric algorithm would let the provider's public key act as a secret.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
# The order in which a user with several mapped roles gets one: the first that applies.
ROLE_ORDER = (Role.ADMIN, Role.ACCOUNTANT, Role.CLERK, Role.VIEWER)
METADATA_SECONDS = 3600.0
HTTP_TIMEOUT_SECONDS = 5.0


class ProviderUnavailable(PulseError, status=503, code="sso_unavailable"): ...


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    audience: str
    client_id: str
    scopes: str
    role_claim: str
    role_map: dict[str, Role]
    jwks_refresh_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """The configuration, or None when single sign-on is off. A malformed role map
        stops the start (ValueError), not a sign-in."""
        if not settings.oidc_issuer:
            return None
        if not settings.oidc_client_id:
            raise ValueError("PULSE_OIDC_CLIENT_ID is required with PULSE_OIDC_ISSUER")
        return cls(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience or settings.oidc_client_id,
            client_id=settings.oidc_client_id,
            scopes=settings.oidc_scopes,
            role_claim=settings.oidc_role_claim,
            role_map=parse_role_map(settings.oidc_role_map),
            jwks_refresh_seconds=settings.oidc_jwks_refresh_seconds,
        )


def parse_role_map(text: str) -> dict[str, Role]:
    mapping: dict[str, Role] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        provider_role, sep, pulse_role = entry.rpartition("=")
        if not sep or not provider_role.strip():
            raise ValueError(f"PULSE_OIDC_ROLE_MAP: '{entry}' is not provider-role=pulse-role")
        try:
            mapping[provider_role.strip()] = Role(pulse_role.strip().lower())
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(
                f"PULSE_OIDC_ROLE_MAP: '{pulse_role.strip()}' is not a Pulse role ({known})"
            ) from None
    return mapping


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None = None


@dataclass(frozen=True)
class ExternalIdentity:
    """Who a verified provider token speaks for, and the Pulse role it maps to."""

    issuer: str
    subject: str
    preferred_username: str | None
    email: str | None
    provider_roles: frozenset[str]
    role: Role
    expires_at: float


def _claim(claims: dict[str, Any], path: str) -> Any:
    node: Any = claims
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _names(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str)}
    return set()


def provider_roles(claims: dict[str, Any], config: OidcConfig) -> frozenset[str]:
    if config.role_claim:
        return frozenset(_names(_claim(claims, config.role_claim)))
    realm = _names(_claim(claims, "realm_access.roles"))
    resource_access = claims.get("resource_access")
    client = None
    if isinstance(resource_access, dict):
        client = _claim(resource_access.get(config.client_id) or {}, "roles")
    return frozenset(realm | _names(client))


def map_role(roles: frozenset[str], config: OidcConfig) -> Role | None:
    mapped = {config.role_map[name] for name in roles if name in config.role_map}
    return next((role for role in ROLE_ORDER if role in mapped), None)


class OidcVerifier:
    def __init__(self, config: OidcConfig, *, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._http = http or httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS)
        self._owns_http = http is None
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        # key id -> the key and the algorithm its JWK declares (if it does)
        self._keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}
        self._keys_at: float | None = None
        self._metadata_lock = asyncio.Lock()
        self._keys_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def issued_by(self, token: str) -> bool:
        """Whether a token says it comes from the provider (unverified: it only picks the
        verifier, which then checks everything)."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        return claims.get("iss") == self.config.issuer

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            answer = await self._http.get(url)
            answer.raise_for_status()
            data = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(
                "the single sign-on provider cannot be reached; try again shortly"
            ) from exc
        if not isinstance(data, dict):
            raise ProviderUnavailable("the single sign-on provider answered something unexpected")
        return data

    async def metadata(self) -> ProviderMetadata:
        """The provider's discovery document (cached for an hour)."""
        if self._metadata and time.monotonic() - self._metadata_at < METADATA_SECONDS:
            return self._metadata
        async with self._metadata_lock:
            if self._metadata and time.monotonic() - self._metadata_at < METADATA_SECONDS:
                return self._metadata
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            data = await self._get_json(url)
            if data.get("issuer") != self.config.issuer:
                # The document must be the issuer's own (OpenID Connect Discovery §4.3).
                raise ProviderUnavailable("the provider's discovery document names another issuer")
            try:
                found = ProviderMetadata(
                    issuer=data["issuer"],
                    authorization_endpoint=data["authorization_endpoint"],
                    token_endpoint=data["token_endpoint"],
                    jwks_uri=data["jwks_uri"],
                    end_session_endpoint=data.get("end_session_endpoint"),
                )
            except KeyError as exc:
                raise ProviderUnavailable(
                    f"the provider's discovery document lacks {exc.args[0]}"
                ) from None
            self._metadata, self._metadata_at = found, time.monotonic()
            return found

    async def _key(self, kid: str | None) -> tuple[jwt.PyJWK, str | None]:
        key = self._find(kid)
        if key is not None:
            return key
        metadata = await self.metadata()
        async with self._keys_lock:
            key = self._find(kid)
            due = (
                self._keys_at is None
                or time.monotonic() - self._keys_at >= self.config.jwks_refresh_seconds
            )
            if key is None and due:
                await self._fetch_keys(metadata.jwks_uri)
                key = self._find(kid)
        if key is None:
            raise Unauthorized(
                "the access token is signed with a key the provider does not publish",
                code="invalid_token",
            )
        return key

    def _find(self, kid: str | None) -> tuple[jwt.PyJWK, str | None] | None:
        if kid is not None:
            return self._keys.get(kid)
        # A token without a key id: only a provider with a single key can have signed it.
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    async def _fetch_keys(self, jwks_uri: str) -> None:
        # Noted first, so that a failing provider is not asked again at once either.
        self._keys_at = time.monotonic()
        data = await self._get_json(jwks_uri)
        keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}
        for entry in data.get("keys", []):
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK.from_dict(entry)
            except jwt.PyJWTError:
                continue  # a key of a kind this server cannot use (or a broken one)
            declared = entry.get("alg")
            keys[str(entry.get("kid", ""))] = (key, declared if isinstance(declared, str) else None)
        self._keys = keys

    async def redeem_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        """Trade an authorization code (and the PKCE verifier it was asked for with) for an
        access token at the provider's token endpoint, as the public client."""
        metadata = await self.metadata()
        try:
            answer = await self._http.post(
                metadata.token_endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "code_verifier": code_verifier,
                    "redirect_uri": redirect_uri,
                    "client_id": self.config.client_id,
                },
                headers={"Accept": "application/json"},
            )
            data = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(
                "the single sign-on provider cannot be reached; try again shortly"
            ) from exc
        token = data.get("access_token") if isinstance(data, dict) else None
        if answer.is_success and isinstance(token, str):
            return token
        if answer.status_code >= 500 or not isinstance(data, dict):
            raise ProviderUnavailable("the single sign-on provider failed to answer")
        reason = data.get("error_description") or data.get("error") or "no reason given"
        raise Unauthorized(
            f"the sign-on provider refused the sign-in: {str(reason)[:200]}",
            code="sso_code_refused",
        )

    async def verify(self, token: str) -> ExternalIdentity:
        """The identity of a valid provider access token; 401 for anything wrong with the
        token, 403 for a valid one whose roles map to no Pulse role."""
        invalid = Unauthorized("the access token is not valid", code="invalid_token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise invalid from exc
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise invalid
        kid = header.get("kid")
        key, declared = await self._key(kid if isinstance(kid, str) else None)
        if declared is not None and declared != algorithm:
            raise invalid
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.config.audience,
                issuer=self.config.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the access token has expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise invalid from exc
        if str(claims.get("typ", "")).lower() in ("id", "refresh", "logout"):
            # Keycloak marks its ID and refresh tokens: neither is an access token.
            raise Unauthorized("not an access token", code="invalid_token")
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject or len(subject) > 255:
            raise invalid
        roles = provider_roles(claims, self.config)
        role = map_role(roles, self.config)
        if role is None:
            raise Forbidden(
                "your account at the sign-on provider has no role that Pulse knows",
                code="sso_no_role",
            )
        username = claims.get("preferred_username")
        email = claims.get("email")
        return ExternalIdentity(
            issuer=self.config.issuer,
            subject=subject,
            preferred_username=username if isinstance(username, str) else None,
            email=email if isinstance(email, str) else None,
            provider_roles=roles,
            role=role,
            expires_at=float(claims["exp"]),
        )
