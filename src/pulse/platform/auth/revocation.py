"""Whether an access token still stands for what it was issued for.

A token carries its user's token version and, when it came from a login, its session (the
refresh-token family). Disabling the account or changing its password or role raises the
version; logging out (or reuse of a stolen refresh token) ends the family. Every request
checks both against a small cache in this process, so the hot path costs no database trip:

- a change made through this process forgets the cached entry at once;
- on PostgreSQL the change also sends a notification on commit (`pulse_auth`) that every
  process listens to, and forgets the entry when it arrives (milliseconds);
- whatever else happens (SQLite with `pulse users …` run beside the server, a listener
  reconnecting), an entry is at most `PULSE_TOKEN_CHECK_SECONDS` old (5 s by default): that
  bounds how long a revoked token can still work in another process.

A token whose user has no row at all (made with the signing secret for a machine client,
as the tests and benchmarks do) is judged by its claims alone: no row, nothing to revoke.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from cachetools import TTLCache

from pulse.platform.auth import repository as repo
from pulse.platform.auth.notify import RevocationListener
from pulse.platform.auth.tokens import Principal
from pulse.platform.errors import Unauthorized
from pulse.platform.uow import UnitOfWorkFactory

_MISSING = object()


@dataclass(frozen=True)
class UserState:
    version: int
    active: bool
    role: str


def _cache(ttl_seconds: float, max_entries: int) -> TTLCache[uuid.UUID, object]:
    # A zero lifetime keeps nothing: every request reads the account afresh.
    return TTLCache(maxsize=max_entries if ttl_seconds > 0 else 0, ttl=max(ttl_seconds, 1e-9))


class TokenStates:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        ttl_seconds: float,
        max_entries: int = 10_000,
        listen_url: str | None = None,
    ) -> None:
        self._uow = uow
        self._listener = None if listen_url is None else RevocationListener(listen_url, self)
        self._users = _cache(ttl_seconds, max_entries)
        self._sessions = _cache(ttl_seconds, max_entries)
        # Bumped by every `forget_*`: a lookup that started before a change must not put
        # what it read (possibly the old state) back into the cache.
        self._generation = 0

    def start(self) -> None:
        if self._listener is not None:
            self._listener.start()

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.stop()

    def forget_all(self) -> None:
        self._generation += 1
        self._users.clear()
        self._sessions.clear()

    def forget_user(self, user_id: uuid.UUID) -> None:
        self._generation += 1
        self._users.pop(user_id, None)

    def forget_session(self, session_id: uuid.UUID) -> None:
        self._generation += 1
        self._sessions.pop(session_id, None)

    async def check(self, principal: Principal) -> None:
        """Raise 401 unless the token's account and session are as it says."""
        user = self._users.get(principal.user_id, _MISSING)
        alive = (
            True
            if principal.session_id is None
            else self._sessions.get(principal.session_id, _MISSING)
        )
        if user is _MISSING or alive is _MISSING:
            user, alive = await self._load(principal)
        if isinstance(user, UserState):
            if not user.active:
                raise Unauthorized("this account is disabled", code="account_disabled")
            if user.version != principal.token_version or user.role != principal.role:
                raise Unauthorized(
                    "the access token was revoked: the account changed; sign in again",
                    code="token_revoked",
                )
        if not alive:
            raise Unauthorized("the session has ended; sign in again", code="session_ended")

    async def _load(self, principal: Principal) -> tuple[UserState | None, bool]:
        generation = self._generation
        async with self._uow(readonly=True) as uow:
            found = await repo.token_state(uow.session, principal.user_id)
            alive = True
            if principal.session_id is not None:
                alive = await repo.session_alive(uow.session, principal.session_id)
        user = None if found is None else UserState(*found)
        if generation == self._generation:
            with contextlib.suppress(ValueError):  # a cache of size 0 keeps nothing
                self._users[principal.user_id] = user
                if principal.session_id is not None:
                    self._sessions[principal.session_id] = alive
        return user, alive
