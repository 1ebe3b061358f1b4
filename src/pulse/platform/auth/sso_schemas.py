"""API shapes of single sign-on."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

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


class SsoSessionRequest(BaseModel):
    """Either the provider's access token, or what the web app's callback received: the
    authorization code, the PKCE verifier it was asked for with, and the redirect URI."""

    model_config = ConfigDict(extra="forbid")

    access_token: ProviderToken | None = None
    code: Short | None = None
    code_verifier: Verifier | None = None
    redirect_uri: RedirectUri | None = None

    @model_validator(mode="after")
    def one_way(self) -> SsoSessionRequest:
        by_code = (self.code, self.code_verifier, self.redirect_uri)
        if self.access_token is not None:
            if any(part is not None for part in by_code):
                raise ValueError("send either access_token or code, not both")
        elif any(part is None for part in by_code):
            raise ValueError("send access_token, or code with code_verifier and redirect_uri")
        return self
