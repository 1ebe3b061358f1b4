"""API shapes of single sign-on."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from pulse.platform.validation import RequestModel

# A provider's access token: a JWT, a few kilobytes at most even with many roles.
ProviderToken = Annotated[str, StringConstraints(min_length=1, max_length=16_384)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
# RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
Verifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._~-]{43,128}$")]
RedirectUri = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2048)]


class SsoConfigRead(BaseModel):
    """What the web app needs to offer "Sign in with SSO" (authorization code with PKCE,
    as a public client); `enabled` false and nothing else when single sign-on is off."""

    enabled: bool
    issuer: str | None = None
    client_id: str | None = None
    scopes: str | None = None
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    end_session_endpoint: str | None = None


class SsoTokenTrade(RequestModel):
    """A provider's access token, for a Pulse session."""

    access_token: ProviderToken


class SsoCodeTrade(RequestModel):
    """What the web app's callback received: the authorization code, with the PKCE verifier
    it was asked for with and the redirect URI it was sent to."""

    code: Short
    code_verifier: Verifier
    redirect_uri: RedirectUri


SsoSessionRequest = SsoTokenTrade | SsoCodeTrade
