"""Sessions: each sign-in is one (its id is the refresh-token family its access tokens carry
as `sid`). Users list and end their own; `sessions:manage` lists and ends anyone's.

Ending a session revokes its refresh tokens and, on commit, tells every process to forget
what its token cache knows of the session (auth/notify.py, auth/revocation.py), so its
access tokens are refused at their next request. `last_seen_at` is written at most once a
minute per session and process, after the request, never on every request.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import structlog
from cachetools import TTLCache
from ua_parser import parse

from pulse.platform.auth import factor_repository as factors
from pulse.platform.auth import repository as repo
from pulse.platform.auth.factor_events import SessionEnded
from pulse.platform.auth.factor_models import AuthSession
from pulse.platform.auth.factor_schemas import SessionPage, SessionRead
from pulse.platform.auth.notify import announce
from pulse.platform.auth.tokens import Principal
from pulse.platform.errors import Forbidden, NotFound
from pulse.platform.events import utcnow
from pulse.platform.tasks import cancel_and_wait
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)
SEEN_INTERVAL = timedelta(minutes=1)
MANAGE = "sessions:manage"


@dataclass(frozen=True)
class Client:
    """Where a sign-in comes from."""

    address: str
    user_agent: str


@lru_cache(maxsize=256)
def device_of(user_agent: str) -> str:
    """A User-Agent header as people say it: "Firefox on Linux", "Mobile Safari on iOS"."""
    if not user_agent.strip():
        return "Unknown device"
    parsed = parse(user_agent[:400])
    browser = parsed.user_agent.family if parsed.user_agent else None
    system = parsed.os.family if parsed.os else None
    if browser and system:
        return f"{browser} on {system}"[:120]
    return (browser or system or user_agent.split(" ")[0])[:120]


async def start(
    uow: UnitOfWork, session_id: uuid.UUID, user_id: uuid.UUID, client: Client, *, now: datetime
) -> None:
    await factors.add_session(
        uow.session,
        {
            "id": session_id,
            "user_id": user_id,
            "device": device_of(client.user_agent),
            "user_agent": client.user_agent[:400],
            "address": client.address[:64],
            "started_at": now,
            "last_seen_at": now,
            "ended_at": None,
            "ended_by": None,
            "end_reason": None,
        },
    )


def _read(row: AuthSession, username: str, current: uuid.UUID | None) -> SessionRead:
    return SessionRead(
        id=row.id,
        user_id=row.user_id,
        username=username,
        device=row.device,
        user_agent=row.user_agent,
        address=row.address,
        started_at=row.started_at,
        last_seen_at=row.last_seen_at,
        current=row.id == current,
    )


async def list_sessions(
    uow: UnitOfWork,
    principal: Principal,
    *,
    everyone: bool,
    user_id: uuid.UUID | None = None,
    limit: int = 500,
    offset: int = 0,
) -> SessionPage:
    """The caller's live sessions; with `everyone`, anyone's (or one user's), which needs
    `sessions:manage`."""
    if everyone and not principal.can(MANAGE):
        raise Forbidden(f"the '{principal.role}' role lacks the '{MANAGE}' permission")
    owner = user_id if everyone else principal.user_id
    rows, total = await factors.live_sessions(
        uow.session, now=utcnow(), user_id=owner, limit=limit, offset=offset
    )
    items = [_read(row, name, principal.session_id) for row, name in rows]
    return SessionPage(items=items, total=total, limit=limit, offset=offset)


Forget = Callable[[uuid.UUID], None]


async def end(
    uow: UnitOfWork, session_id: uuid.UUID, principal: Principal, *, forget: Forget
) -> None:
    """End a live session: one's own, or anyone's with `sessions:manage`."""
    now = utcnow()
    row = await factors.get_session(uow.session, session_id, for_update=True)
    if row is not None and row.user_id != principal.user_id and not principal.can(MANAGE):
        raise Forbidden(f"the '{principal.role}' role lacks the '{MANAGE}' permission")
    if row is None or not await factors.session_is_live(uow.session, session_id, now=now):
        raise NotFound(f"no live session {session_id}", code="session_not_found")
    own = row.user_id == principal.user_id
    await end_now(
        uow,
        row.id,
        row.user_id,
        reason="ended_by_user" if own else "ended_by_admin",
        by=principal.username,
        forget=forget,
    )


async def end_now(
    uow: UnitOfWork,
    session_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    reason: str,
    by: str | None,
    forget: Forget | None = None,
) -> None:
    """Revoke the session's refresh tokens, mark it ended and tell every process on commit;
    `forget` (this process's token cache) is called once the work has committed."""
    now = utcnow()
    await repo.revoke_family(uow.session, session_id, at=now)
    await factors.mark_ended(uow.session, session_id, at=now, by=by, reason=reason)
    await announce(uow.session, session_id=session_id)
    username = await _username(uow, user_id)
    uow.emit(
        SessionEnded(
            session_id=session_id, user_id=user_id, username=username, reason=reason, ended_by=by
        )
    )
    if forget is not None:
        uow.after_commit(lambda: forget(session_id))


async def _username(uow: UnitOfWork, user_id: uuid.UUID) -> str:
    user = await repo.get_user(uow.session, user_id)
    return user.username if user is not None else str(user_id)


class SessionActivity:
    """Moves sessions' `last_seen_at` forward, at most once per interval per session in this
    process, in a task of its own after the request that saw it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        interval: timedelta = SEEN_INTERVAL,
        max_entries: int = 10_000,
    ) -> None:
        self._uow = uow
        self._interval = interval
        self._written: TTLCache[uuid.UUID, bool] = TTLCache(
            maxsize=max_entries, ttl=interval.total_seconds()
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def seen(self, session_id: uuid.UUID) -> None:
        if session_id in self._written:
            return
        self._written[session_id] = True
        task = asyncio.create_task(self._write(session_id, utcnow()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, session_id: uuid.UUID, at: datetime) -> None:
        try:
            async with self._uow() as uow:
                await factors.touch(uow.session, session_id, at=at, before=at - self._interval)
                await uow.commit()
        except Exception as exc:  # noqa: BLE001 - a missed "last seen" is not worth a failure
            log.warning("session_seen_failed", session_id=str(session_id), error=str(exc))

    async def idle(self) -> None:
        """Wait for the writes under way (a test's way to see their effect)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        await cancel_and_wait(*self._tasks)
