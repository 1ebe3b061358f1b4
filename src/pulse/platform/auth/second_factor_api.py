"""The second factor: your own TOTP (set up, confirm, recovery codes, turn off), an admin's
reset and the roles that require one, and the second step of a sign-in."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Request, Response, status

from pulse.platform.api import PublicUowDep, ReadUowDep, UowDep, request_id
from pulse.platform.auth import challenges, second_factor
from pulse.platform.auth import repository as repo
from pulse.platform.auth.addresses import client_address
from pulse.platform.auth.api import reserve_attempt
from pulse.platform.auth.factor_schemas import (
    ChallengeCode,
    ChallengeConfirm,
    ChallengeOnly,
    CodeOnly,
    CodeOrRecovery,
    EnrolledSignIn,
    RecoveryCodes,
    SecondFactorPolicy,
    SecondFactorStatus,
    TotpSetup,
)
from pulse.platform.auth.models import AddressThrottle
from pulse.platform.auth.schemas import TokenResponse
from pulse.platform.auth.tokens import Principal, TokenCodec
from pulse.platform.deps import CurrentPrincipal, Requires, get_container
from pulse.platform.errors import PulseError
from pulse.platform.openapi import problems
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork

router = APIRouter(prefix="/auth", tags=["second factor"])
AdminOnly = Annotated[Principal, Requires("users:admin")]
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


async def _counted(
    request: Request,
    username: str,
    run: Callable[[UnitOfWork], Awaitable[T]],
    *,
    actor: str | None = None,
) -> T:
    """Run a code check as one attempt from the name's and the address's budgets, like a
    password (auth/login.py): 429 when either is spent. A wrong code stays counted (its
    bookkeeping is committed before the refusal, so this opens its own unit of work rather
    than taking `UowDep`, which would roll it back); a right one is given back."""
    container = get_container(request)
    settings = container.settings
    address = client_address(request, settings.trusted_proxies)
    await reserve_attempt(container, username, address)
    async with container.uow(actor=actor or username, correlation_id=request_id(request)) as uow:
        try:
            result = await run(uow)
        except challenges.WrongCode as wrong:
            await uow.commit()
            raise wrong.error from None
        await repo.give_back_attempt(
            uow.session,
            AddressThrottle,
            address,
            max_failures=settings.login_address_max_failures,
        )
        await uow.commit()
    return result


def _wrong_code_counts(
    action: Callable[[UnitOfWork], Awaitable[T]],
) -> Callable[[UnitOfWork], Awaitable[T]]:
    """A refused code of a signed-in user keeps its attempt counted too."""

    async def run(uow: UnitOfWork) -> T:
        try:
            return await action(uow)
        except PulseError as error:
            if error.code != "invalid_code":
                raise
            raise challenges.WrongCode(error) from None

    return run


# -- your own second factor ------------------------------------------------------------------
@router.get("/second-factor", response_model=SecondFactorStatus)
async def my_second_factor(principal: CurrentPrincipal, uow: ReadUowDep) -> SecondFactorStatus:
    user = await second_factor.known_user(uow, principal.user_id)
    return await second_factor.status(uow, user)


@router.post("/second-factor/setup", response_model=TotpSetup)
async def set_up(principal: CurrentPrincipal, uow: UowDep) -> TotpSetup:
    """A new TOTP secret and its QR code, pending until confirmed with a code."""
    user = await second_factor.known_user(uow, principal.user_id)
    return await second_factor.begin_setup(uow, user)


@router.post("/second-factor/confirm", response_model=RecoveryCodes)
async def confirm(data: CodeOnly, principal: CurrentPrincipal, uow: UowDep) -> RecoveryCodes:
    """Turn the pending secret on with a code from it; answers the ten recovery codes,
    shown this once."""
    user = await second_factor.known_user(uow, principal.user_id)
    return await second_factor.confirm_setup(uow, user, data.code)


@router.post("/second-factor/recovery-codes", response_model=RecoveryCodes, responses=problems(429))
async def renew_recovery_codes(
    data: CodeOnly, principal: CurrentPrincipal, request: Request
) -> RecoveryCodes:
    """Ten new recovery codes in place of the old ones, against a code from the app."""

    async def run(uow: UnitOfWork) -> RecoveryCodes:
        user = await second_factor.known_user(uow, principal.user_id)
        return await second_factor.renew_recovery_codes(uow, user, data.code)

    return await _counted(request, principal.username, _wrong_code_counts(run))


@router.post(
    "/second-factor/disable", status_code=status.HTTP_204_NO_CONTENT, responses=problems(429)
)
async def disable(data: CodeOrRecovery, principal: CurrentPrincipal, request: Request) -> Response:
    """Turn your second factor off, against a code or a recovery code; refused while your
    role requires one."""

    async def run(uow: UnitOfWork) -> None:
        user = await second_factor.known_user(uow, principal.user_id)
        await second_factor.disable(uow, user, data.code)

    await _counted(request, principal.username, _wrong_code_counts(run))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- administration --------------------------------------------------------------------------
@router.post("/users/{user_id}/second-factor/reset", status_code=status.HTTP_204_NO_CONTENT)
async def reset(user_id: uuid.UUID, principal: AdminOnly, uow: UowDep) -> Response:
    """Remove a user's second factor (a lost phone); they enrol again when their role
    requires one."""
    await second_factor.reset(uow, user_id, by=principal.username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/second-factor/policy", response_model=SecondFactorPolicy)
async def policy(_: AdminOnly, uow: ReadUowDep) -> SecondFactorPolicy:
    return await second_factor.policy(uow)


@router.patch("/second-factor/policy", response_model=SecondFactorPolicy)
async def set_policy(
    data: SecondFactorPolicy, principal: AdminOnly, uow: UowDep
) -> SecondFactorPolicy:
    """The roles whose users must sign in with a second factor; a user of such a role who
    has none enrols at the next sign-in."""
    return await second_factor.set_policy(uow, data, by=principal.username)


# -- the second step of a sign-in ------------------------------------------------------------
async def _challenge_user(request: Request, raw: str) -> str:
    async with get_container(request).uow(readonly=True) as uow:
        return await challenges.username_of(uow, raw)


class _CodeStep(Protocol[T_co]):
    def __call__(
        self, uow: UnitOfWork, raw: str, code: str, *, tokens: TokenCodec, settings: Settings
    ) -> Awaitable[T_co]: ...


async def _with_code(request: Request, challenge: str, code: str, step: _CodeStep[T]) -> T:
    """A step of a sign-in that checks the challenge's code, counted like a password."""
    container = get_container(request)
    username = await _challenge_user(request, challenge)

    async def run(uow: UnitOfWork) -> T:
        return await step(
            uow, challenge, code, tokens=container.tokens, settings=container.settings
        )

    return await _counted(request, username, run)


@router.post("/login/second-factor", response_model=TokenResponse, responses=problems(401, 429))
async def sign_in_with_code(data: ChallengeCode, request: Request) -> TokenResponse:
    """Finish a sign-in with a code from the app, or a recovery code (each works once)."""
    return await _with_code(request, data.challenge, data.code, challenges.sign_in_with_code)


@router.post("/login/enrol", response_model=TotpSetup, responses=problems(401))
async def begin_enrolment(data: ChallengeOnly, uow: PublicUowDep) -> TotpSetup:
    """For a role that requires a second factor: the secret to enrol before signing in."""
    return await challenges.begin_enrolment(uow, data.challenge)


@router.post("/login/enrol/confirm", response_model=EnrolledSignIn, responses=problems(401, 429))
async def finish_enrolment(data: ChallengeConfirm, request: Request) -> EnrolledSignIn:
    """Confirm the enrolment with a code and finish the sign-in: the session's tokens and
    the ten recovery codes, shown this once."""
    return await _with_code(request, data.challenge, data.code, challenges.finish_enrolment)
