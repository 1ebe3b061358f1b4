"""Sessions: your own (everyone), and everyone's (`sessions:manage`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from pulse.platform.api import LongPaging, ReadUowDep, UowDep
from pulse.platform.auth import sessions
from pulse.platform.auth.factor_schemas import SessionPage
from pulse.platform.auth.tokens import Principal
from pulse.platform.deps import CurrentPrincipal, Requires, get_container

router = APIRouter(prefix="/auth/sessions", tags=["sessions"])

Managers = Annotated[Principal, Requires(sessions.MANAGE)]


@router.get("", response_model=SessionPage)
async def my_sessions(
    principal: CurrentPrincipal, uow: ReadUowDep, paging: LongPaging
) -> SessionPage:
    """Your live sessions, the most recently seen first; `current` marks this one."""
    return await sessions.list_sessions(
        uow, principal, everyone=False, limit=paging.limit, offset=paging.offset
    )


@router.get("/all", response_model=SessionPage)
async def all_sessions(
    principal: Managers,
    uow: ReadUowDep,
    paging: LongPaging,
    user_id: uuid.UUID | None = None,
) -> SessionPage:
    """Everyone's live sessions (or one user's), the most recently seen first."""
    return await sessions.list_sessions(
        uow,
        principal,
        everyone=True,
        user_id=user_id,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/{session_id}/end", status_code=status.HTTP_204_NO_CONTENT)
async def end_session(
    session_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep, request: Request
) -> Response:
    """End a session: its refresh token stops, and its access tokens at their next request.
    Your own, or anyone's with `sessions:manage`."""
    states = get_container(request).token_states
    await sessions.end(uow, session_id, principal, forget=states.forget_session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
