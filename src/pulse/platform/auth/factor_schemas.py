"""API shapes of sessions, the second factor and the second sign-in step."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from pulse.platform.api import Page
from pulse.platform.auth.permissions import Role
from pulse.platform.auth.schemas import OpaqueToken, TokenResponse
from pulse.platform.validation import RequestModel

# Six digits, or a recovery code (`xxxxx-xxxxx`) where one is accepted.
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=20)]
TotpCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]


class SessionRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    device: str
    user_agent: str
    address: str
    started_at: datetime
    last_seen_at: datetime
    # The session of the token that asked.
    current: bool


class SessionPage(Page[SessionRead]):
    pass


class SecondFactorChallenge(BaseModel):
    """The password was right; a second step is needed: a code (`totp`), or enrolling a
    second factor first (`enrol`, for a role that requires one)."""

    second_factor: Literal["totp", "enrol"]
    challenge: str
    expires_in: int
    username: str


class ChallengeCode(RequestModel):
    challenge: OpaqueToken
    # A code from the authenticator app, or one of the recovery codes.
    code: Code


class ChallengeOnly(RequestModel):
    challenge: OpaqueToken


class ChallengeConfirm(RequestModel):
    challenge: OpaqueToken
    code: TotpCode


class CodeOnly(RequestModel):
    code: TotpCode


class CodeOrRecovery(RequestModel):
    code: Code


class TotpSetup(BaseModel):
    """A new secret, to be confirmed with a code before it counts."""

    secret: str
    otpauth_uri: str
    # The URI as a QR code: an SVG as a data URI.
    qr_svg: str


class RecoveryCodes(BaseModel):
    """Shown once: only their hashes are kept."""

    recovery_codes: list[str]


class EnrolledSignIn(BaseModel):
    """An enrolment done during sign-in: the session's tokens and the recovery codes."""

    tokens: TokenResponse
    recovery_codes: list[str]


class SecondFactorStatus(BaseModel):
    enabled: bool
    # Set up but not yet confirmed with a code.
    pending: bool
    confirmed_at: datetime | None
    recovery_codes_left: int
    # The user's role requires a second factor: it cannot be turned off.
    required: bool


class SecondFactorPolicy(RequestModel):
    required_roles: list[Role] = Field(max_length=len(Role))
