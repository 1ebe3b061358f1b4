"""The second step of a sign-in: after the right password, a user with a second factor gets
a challenge instead of tokens, and trades it with a code for the session's tokens; a user
whose role requires a second factor and has none enrols with it first and cannot skip it.

A challenge is a random token (only its SHA-256 is kept), good for `CHALLENGE_SECONDS` and
`MAX_ATTEMPTS` codes. Each code is also an attempt from the same budgets as a password (the
user name's and the client address's, auth/login.py): a right password gives back only its
own attempt, and the name's count is cleared only when the code is right too, so guessing
codes meets the same lockout as guessing passwords, however many times the password is
given again.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from pulse.platform.auth import factor_repository as factors
from pulse.platform.auth import repository as repo
from pulse.platform.auth import second_factor
from pulse.platform.auth.events import UserLoggedIn
from pulse.platform.auth.factor_models import LoginChallenge
from pulse.platform.auth.factor_schemas import (
    EnrolledSignIn,
    SecondFactorChallenge,
    TotpSetup,
)
from pulse.platform.auth.models import AddressThrottle, User
from pulse.platform.auth.schemas import TokenResponse
from pulse.platform.auth.service import issue_session
from pulse.platform.auth.sessions import Client
from pulse.platform.auth.tokens import TokenCodec
from pulse.platform.errors import InvalidInput, PulseError, Unauthorized
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork

CHALLENGE_SECONDS = 300
MAX_ATTEMPTS = 5


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def invalid_challenge() -> Unauthorized:
    return Unauthorized(
        "the sign-in has expired or was already finished; sign in again",
        code="invalid_challenge",
    )


async def open_challenge(
    uow: UnitOfWork, user: User, purpose: second_factor.Needed, client: Client, *, now: datetime
) -> SecondFactorChallenge:
    raw = secrets.token_urlsafe(32)
    await factors.prune_challenges(uow.session, now=now)
    await factors.add_challenge(
        uow.session,
        {
            "id": uuid.uuid4(),
            "token_hash": _hash(raw),
            "user_id": user.id,
            "purpose": purpose,
            "address": client.address[:64],
            "user_agent": client.user_agent[:400],
            "created_at": now,
            "expires_at": now + timedelta(seconds=CHALLENGE_SECONDS),
            "attempts": 0,
            "used_at": None,
        },
    )
    return SecondFactorChallenge(
        second_factor=purpose, challenge=raw, expires_in=CHALLENGE_SECONDS, username=user.username
    )


async def username_of(uow: UnitOfWork, raw: str) -> str:
    """Whose sign-in a challenge continues (to take the attempt from their budget), or 401."""
    found = await factors.challenge_by_hash(uow.session, _hash(raw))
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        raise invalid_challenge()
    user = await repo.get_user(uow.session, found.user_id)
    if user is None:
        raise invalid_challenge()
    return user.username


async def _take(
    uow: UnitOfWork, raw: str, purpose: second_factor.Needed
) -> tuple[LoginChallenge, User]:
    """The live challenge of this purpose, one of its attempts taken; 401 otherwise."""
    now = utcnow()
    found = await factors.challenge_by_hash(uow.session, _hash(raw), for_update=True)
    if found is None or found.purpose != purpose:
        raise invalid_challenge()
    if not await factors.count_challenge_attempt(
        uow.session, found.id, max_attempts=MAX_ATTEMPTS, now=now
    ):
        raise invalid_challenge()
    user = await repo.get_user(uow.session, found.user_id, for_update=True)
    if user is None or not user.active:
        raise invalid_challenge()
    return found, user


async def _finish(
    uow: UnitOfWork,
    challenge: LoginChallenge,
    user: User,
    *,
    tokens: TokenCodec,
    settings: Settings,
) -> TokenResponse:
    now = utcnow()
    if not await factors.use_challenge(uow.session, challenge.id, at=now):
        raise invalid_challenge()
    # The whole sign-in was right: neither budget keeps this code's attempt, and the name's
    # count (the password's attempt included) is cleared.
    await repo.clear_throttle(uow.session, user.username)
    await repo.give_back_attempt(
        uow.session,
        AddressThrottle,
        challenge.address,
        max_failures=settings.login_address_max_failures,
    )
    user.last_login_at = now
    await uow.session.flush()
    await repo.delete_expired_tokens(uow.session, user.id, now=now)
    client = Client(address=challenge.address, user_agent=challenge.user_agent)
    response = await issue_session(
        uow, user, now=now, tokens=tokens, settings=settings, client=client
    )
    uow.emit(UserLoggedIn(user_id=user.id, username=user.username))
    return response


class WrongCode(Exception):
    """A wrong code: its attempt stays counted, so the caller commits, then raises `error`."""

    def __init__(self, error: PulseError) -> None:
        super().__init__(error.detail)
        self.error = error


async def sign_in_with_code(
    uow: UnitOfWork, raw: str, code: str, *, tokens: TokenCodec, settings: Settings
) -> TokenResponse:
    challenge, user = await _take(uow, raw, "totp")
    if not await second_factor.prove(uow, user, code):
        raise WrongCode(
            Unauthorized(
                "the code is not right, or was already used; use the next one",
                code="invalid_code",
            )
        )
    return await _finish(uow, challenge, user, tokens=tokens, settings=settings)


async def begin_enrolment(uow: UnitOfWork, raw: str) -> TotpSetup:
    challenge, user = await _take(uow, raw, "enrol")
    return await second_factor.begin_setup(uow, user)


async def finish_enrolment(
    uow: UnitOfWork, raw: str, code: str, *, tokens: TokenCodec, settings: Settings
) -> EnrolledSignIn:
    challenge, user = await _take(uow, raw, "enrol")
    try:
        codes = await second_factor.confirm_setup(uow, user, code)
    except InvalidInput as exc:
        raise WrongCode(exc) from None
    response = await _finish(uow, challenge, user, tokens=tokens, settings=settings)
    return EnrolledSignIn(tokens=response, recovery_codes=codes.recovery_codes)
