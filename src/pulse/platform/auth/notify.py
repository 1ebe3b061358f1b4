"""Revocations told to every process at once, through PostgreSQL LISTEN/NOTIFY.

A transaction that stops tokens (a changed or disabled account, an ended session) sends a
notification that PostgreSQL delivers only when, and if, it commits. Each process listens
and forgets what its token cache (auth/revocation.py) holds about that user or session. A
lost connection loses notifications, so on every (re)connect the whole cache is forgotten;
the cache's expiry stays the bound whatever happens.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.pg_notify import Listener

if TYPE_CHECKING:
    from pulse.platform.auth.revocation import TokenStates

CHANNEL = "pulse_auth"
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


class RevocationListener(Listener):
    """Forgets a user's or a session's cached state when another process revokes it, and
    everything on every (re)connect."""

    def __init__(self, database_url: str, states: TokenStates) -> None:
        self._states = states
        super().__init__(
            database_url,
            CHANNEL,
            on_payload=self._on_payload_text,
            on_connect=states.forget_all,
            name="revocation-listener",
        )

    def _on_payload_text(self, payload: str) -> None:
        kind, _, value = payload.partition(":")
        try:
            key = uuid.UUID(value)
        except ValueError:
            return
        if kind == "user":
            self._states.forget_user(key)
        elif kind == "session":
            self._states.forget_session(key)
