"""Who is asking: the container a request runs in, its signed-in principal and the
permission guard. The rest of a router's plumbing is in `pulse.platform.api`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pulse.platform.auth.tokens import Principal
from pulse.platform.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from pulse.bootstrap import Container

_bearer = HTTPBearer(auto_error=False)


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("authentication required: send 'Authorization: Bearer <token>'")
    container = get_container(request)
    token = credentials.credentials
    if container.sso is not None and container.sso.issued_by(token):
        principal = await container.sso.principal(token)
    else:
        principal = container.tokens.verify(token)
    # A signed token may stand for an account or session that has since changed or ended.
    await container.token_states.check(principal)
    if principal.session_id is not None:
        container.session_activity.seen(principal.session_id)
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(user=principal.username)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def Requires(permission: str) -> Any:  # noqa: N802 - used like a type: Annotated[..., Requires()]
    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"the '{principal.role}' role lacks the '{permission}' permission")
        return principal

    return Depends(check)
