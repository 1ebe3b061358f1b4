"""Login, token refresh and logout, the current user, and user administration."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import structlog
from fastapi import APIRouter, Request, Response, status

from pulse.platform.api import Paging, PublicUowDep, ReadUowDep, UowDep, request_id
from pulse.platform.auth import login as sign_in
from pulse.platform.auth import service
from pulse.platform.auth.addresses import client_address, client_ip
from pulse.platform.auth.factor_schemas import SecondFactorChallenge
from pulse.platform.auth.schemas import (
    LoginRequest,
    MeRead,
    RefreshRequest,
    TokenResponse,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from pulse.platform.auth.sessions import Client
from pulse.platform.auth.tokens import Principal
from pulse.platform.company import company_profile
from pulse.platform.deps import CurrentPrincipal, Requires, get_container
from pulse.platform.errors import TooManyRequests, Unauthorized

if TYPE_CHECKING:
    from pulse.bootstrap import Container

router = APIRouter(prefix="/auth", tags=["auth"])
log = structlog.get_logger(__name__)

AdminOnly = Annotated[Principal, Requires("users:admin")]


async def reserve_attempt(container: Container, username: str, address: str) -> sign_in.Attempt:
    """One attempt from the name's and the address's budgets (auth/login.py), or 429.

    Each step commits its own transaction at once: the attempt must stay counted whatever
    becomes of the request after it (a wrong password, a crash in the hash pool)."""
    settings = container.settings
    async with container.uow(actor=username) as uow:
        attempt = await sign_in.reserve(uow, username, address, settings=settings)
        if attempt is not None:
            await uow.commit()
            return attempt
    async with container.uow(actor=username) as uow:
        await sign_in.open_keys(uow, username, address, settings=settings)
        await uow.commit()
    async with container.uow(actor=username) as uow:
        attempt = await sign_in.reserve(uow, username, address, settings=settings)
        if attempt is None:  # its rows were pruned in between: take it as a busy moment
            raise TooManyRequests(
                "the server is busy; try again shortly", code="login_busy", extra={"retry_after": 1}
            )
        await uow.commit()
        return attempt


@router.post("/login", response_model=TokenResponse | SecondFactorChallenge)
async def login(data: LoginRequest, request: Request) -> TokenResponse | SecondFactorChallenge:
    """The session's tokens; or, for a user with a second factor (or whose role requires
    one), the challenge of the second step (`POST /auth/login/second-factor`)."""
    # Its units of work are its own, not `UowDep`'s: the attempt is committed before the
    # password is checked, and a refusal's bookkeeping (the failure, a lockout) is committed
    # before the refusal is raised, which a unit of work that rolls back on an error undoes.
    container = get_container(request)
    settings = container.settings
    address = client_address(request, settings.trusted_proxies)
    # Admitted to the hash pool first: a login it has no room for costs no database write.
    async with container.hashing.admit(address) as check_password:
        attempt = await reserve_attempt(container, data.username, address)
        ok = await check_password(attempt.password_hash, data.password)
    ip = client_ip(request, settings.trusted_proxies)
    if not ok or attempt.user_id is None:
        # Already counted when reserved; the audit log keeps the failure (and the lockout
        # it may have set).
        async with container.uow(actor=data.username, address=ip) as uow:
            sign_in.record_failure(uow, attempt, reason="invalid_credentials")
            if attempt.locks_name:
                sign_in.record_lockout(uow, attempt)
            await uow.commit()
        log.warning("login_failed", username=data.username, address=ip, locked=attempt.locks_name)
        raise Unauthorized(service.BAD_CREDENTIALS, code="invalid_credentials")
    async with container.uow(
        actor=data.username, correlation_id=request_id(request), address=ip
    ) as uow:
        try:
            result = await sign_in.succeed(
                uow,
                attempt,
                password=data.password,
                tokens=container.tokens,
                settings=settings,
                hashing=container.hashing,
                client=Client(address, request.headers.get("user-agent", "")),
            )
        except service.Rejected as rejected:
            await uow.commit()
            log.warning("login_refused", username=data.username, code=rejected.error.code)
            raise rejected.error from None
        await uow.commit()
    if isinstance(result, SecondFactorChallenge):
        log.info("login_second_step", username=result.username, address=address)
    else:
        log.info("login_succeeded", username=result.username, role=result.role, address=address)
    return result


@router.post("/refresh", response_model=TokenResponse)
async def refresh(data: RefreshRequest, request: Request) -> TokenResponse:
    # Not on `PublicUowDep`: a refused token's bookkeeping (a reused one ends its whole
    # session) is committed before the refusal is raised.
    container = get_container(request)
    address = client_ip(request, container.settings.trusted_proxies)
    async with container.uow(correlation_id=request_id(request), address=address) as uow:
        try:
            result = await service.refresh(
                uow, data.refresh_token, tokens=container.tokens, settings=container.settings
            )
        except service.Rejected as rejected:
            await uow.commit()
            if rejected.ended_session is not None:
                container.token_states.forget_session(rejected.ended_session)
            raise rejected.error from None
        await uow.commit()
    return result


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(data: RefreshRequest, request: Request, uow: PublicUowDep) -> Response:
    ended = await service.logout(uow, data.refresh_token)
    if ended is not None:
        forget = get_container(request).token_states.forget_session
        uow.after_commit(lambda: forget(ended))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeRead)
async def me(uow: ReadUowDep, principal: CurrentPrincipal, request: Request) -> MeRead:
    found = await service.me(uow, principal)
    # The company's currency comes with the session: every amount the user sees is in it.
    company = await company_profile(uow, defaults=get_container(request).settings)
    return found.model_copy(update={"currency": company.currency})


@router.get("/users", response_model=UserPage)
async def list_users(_: AdminOnly, uow: ReadUowDep, paging: Paging) -> UserPage:
    return await service.list_users(uow, limit=paging.limit, offset=paging.offset)


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create_user(_: AdminOnly, data: UserCreate, uow: UowDep, request: Request) -> UserRead:
    result = await service.create_user(uow, data, hashing=get_container(request).hashing)
    uow.after_commit(lambda: log.info("user_created", username=result.username, role=result.role))
    return result


@router.patch("/users/{user_id}", response_model=UserRead)
async def update_user(
    _: AdminOnly, user_id: uuid.UUID, data: UserUpdate, uow: UowDep, request: Request
) -> UserRead:
    container = get_container(request)
    # This process stops the user's old tokens at once; others within PULSE_TOKEN_CHECK_SECONDS.
    uow.after_commit(lambda: container.token_states.forget_user(user_id))
    return await service.update_user(uow, user_id, data, hashing=container.hashing)
