"""Single sign-on: what the web app needs to start it, and the trade of a provider's access
token for a Pulse session."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pulse.platform.auth import sso
from pulse.platform.auth.addresses import client_address, client_ip
from pulse.platform.auth.schemas import TokenResponse
from pulse.platform.auth.sessions import Client
from pulse.platform.auth.sso_schemas import SsoCodeTrade, SsoConfigRead, SsoSessionRequest
from pulse.platform.deps import get_container
from pulse.platform.errors import NotFound
from pulse.platform.openapi import problem_response

router = APIRouter(prefix="/auth/sso", tags=["auth"])

UNAVAILABLE = problem_response(503, "The sign-on provider cannot be reached; try again shortly")


@router.get("/config", response_model=SsoConfigRead, responses={503: UNAVAILABLE})
async def sso_config(request: Request) -> SsoConfigRead:
    gate = get_container(request).sso
    if gate is None:
        return SsoConfigRead(enabled=False)
    config = gate.verifier.config
    metadata = await gate.verifier.metadata()
    return SsoConfigRead(
        enabled=True,
        issuer=config.issuer,
        client_id=config.client_id,
        scopes=config.scopes,
        authorization_endpoint=metadata.authorization_endpoint,
        token_endpoint=metadata.token_endpoint,
        end_session_endpoint=metadata.end_session_endpoint,
    )


@router.post(
    "/session",
    response_model=TokenResponse,
    responses={
        401: problem_response(
            401, "The provider's access token is not valid or has expired, or it refused the code"
        ),
        403: problem_response(403, "The provider's roles map to no Pulse role"),
        404: problem_response(404, "Single sign-on is not configured"),
        503: UNAVAILABLE,
    },
)
async def sso_session(data: SsoSessionRequest, request: Request) -> TokenResponse:
    """Trade an access token of the sign-on provider, or an authorization code with its PKCE
    verifier (redeemed here at the provider's token endpoint), for a Pulse session (access
    and refresh token), making the user on first sight."""
    container = get_container(request)
    gate = container.sso
    if gate is None:
        raise NotFound("single sign-on is not configured", code="sso_not_configured")
    if isinstance(data, SsoCodeTrade):
        token = await gate.verifier.redeem_code(
            code=data.code, code_verifier=data.code_verifier, redirect_uri=data.redirect_uri
        )
    else:
        token = data.access_token
    identity = await gate.verifier.verify(token)
    correlation = getattr(request.state, "request_id", None)
    trusted = container.settings.trusted_proxies
    client = Client(client_address(request, trusted), request.headers.get("user-agent", ""))
    # Opened here, not taken as `PublicUowDep`: the actor is the identity the provider named,
    # and no writer lock is held over the provider's answer above.
    async with container.uow(
        actor=sso.actor_of(identity),
        correlation_id=correlation,
        address=client_ip(request, trusted),
    ) as uow:
        result, user_id = await sso.sign_in(
            uow, identity, tokens=container.tokens, settings=container.settings, client=client
        )
        await uow.commit()
    # The role may have followed the provider's: this process forgets the account at once.
    container.token_states.forget_user(user_id)
    return result
