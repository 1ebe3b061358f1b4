"""API shapes of single sign-on."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# A provider's access token: a JWT, a few kilobytes at most even with many roles.
ProviderToken = Annotated[str, StringConstraints(min_length=1, max_length=16_384)]


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


class SsoSessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_token: ProviderToken
