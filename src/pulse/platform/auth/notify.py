"""Revocations told to every process at once, through PostgreSQL LISTEN/NOTIFY.

A transaction that stops tokens (a changed or disabled account, an ended session) sends a
notification that PostgreSQL delivers only when, and if, it commits. Each process listens
and forgets what its token cache (auth/revocation.py) holds about that user or session. A
lost connection loses notifications, so on every (re)connect the whole cache is forgotten;
the cache's expiry stays the bound whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from pulse.platform.auth.revocation import TokenStates

CHANNEL = "pulse_auth"
log = structlog.get_logger(__name__)
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :payload)")


async def announce(
    session: AsyncSession, *, user_id: uuid.UUID | None = None, session_id: uuid.UUID | None = None
) -> None:
    """Tell every process, on commit, to forget what it knows of this user or session."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if user_id is not None:
        await session.execute(_NOTIFY, {"payload": f"user:{user_id}"})
    if session_id is not None:
        await session.execute(_NOTIFY, {"payload": f"session:{session_id}"})


def _dsn(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)


class RevocationListener:
    def __init__(self, database_url: str, states: TokenStates) -> None:
        self._dsn = _dsn(database_url)
        self._states = states
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="revocation-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def _on_notify(self, *args: Any) -> None:
        payload = str(args[-1])
        kind, _, value = payload.partition(":")
        try:
            key = uuid.UUID(value)
        except ValueError:
            return
        if kind == "user":
            self._states.forget_user(key)
        elif kind == "session":
            self._states.forget_session(key)

    async def _run(self) -> None:
        while True:
            connection = None
            try:
                closed = asyncio.Event()
                connection = await asyncpg.connect(self._dsn)
                connection.add_termination_listener(lambda *_, done=closed: done.set())
                await connection.add_listener(CHANNEL, self._on_notify)
                # Whatever was revoked while nobody listened is read afresh.
                self._states.forget_all()
                await closed.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening across restarts
                log.warning("revocation_listener_error", error=str(exc))
            finally:
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close()
            await asyncio.sleep(1.0)
