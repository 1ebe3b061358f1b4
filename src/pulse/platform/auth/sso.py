"""Single sign-on: the Pulse user behind a provider's access token, made on first sight.

A provider identity is linked to a user by its (issuer, subject) only. On first sight a
user is made for it (`user.provisioned` in the outbox, in the same transaction), named after
the provider's `preferred_username` (or email) unless a local account has that name, in
which case a suffix keeps them apart: a name at the provider never reaches a local account.
The user's role follows the provider's roles through the configured map at every sight; a
change raises the account's token version like any role change. An account disabled in
Pulse stays disabled whatever the provider says.

The token is then used in one of two ways: as the bearer of API requests itself (machine
clients, or anything holding a provider token), or traded once for a Pulse session at
`POST /auth/sso/session` (the web app), which then refreshes like a password sign-in.
"""

from __future__ import annotations

import itertools
import re
import time
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from pulse.platform.auth import repository as repo
from pulse.platform.auth import sso_repository as sso_repo
from pulse.platform.auth.events import UserLoggedIn, UserProvisioned, UserUpdated
from pulse.platform.auth.models import User
from pulse.platform.auth.notify import announce
from pulse.platform.auth.oidc import ExternalIdentity, OidcVerifier
from pulse.platform.auth.permissions import permissions_for
from pulse.platform.auth.revocation import TokenStates
from pulse.platform.auth.schemas import TokenResponse
from pulse.platform.auth.service import issue_session, new_user
from pulse.platform.auth.sessions import Client
from pulse.platform.auth.sso_models import SsoIdentity
from pulse.platform.auth.tokens import Principal, TokenCodec
from pulse.platform.errors import Unauthorized
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

# No password verifies against this: a provisioned user signs in through the provider only
# (until an admin gives them a password).
NO_PASSWORD = "!sso"
_NOT_A_NAME_CHAR = re.compile(r"[^a-z0-9._@-]+")


def _base_username(identity: ExternalIdentity) -> str:
    for candidate in (identity.preferred_username, identity.email):
        if candidate:
            name = _NOT_A_NAME_CHAR.sub("-", candidate.strip().lower()).strip("-._@")
            if name:
                return name[:56]
    return "sso-user"


async def _free_username(uow: UnitOfWork, base: str) -> str:
    taken = await sso_repo.usernames_like(uow.session, base)
    if base not in taken:
        return base
    for number in itertools.count(2):
        name = f"{base}-{number}"
        if name not in taken:
            return name
    raise AssertionError("unreachable")


async def _provision(uow: UnitOfWork, identity: ExternalIdentity, now: datetime) -> User:
    email = identity.email
    if email and (len(email) > 254 or await repo.email_taken(uow.session, email)):
        email = None  # the address is someone else's here: never link by it
    username = await _free_username(uow, _base_username(identity))
    user = await new_user(uow, username, email, NO_PASSWORD, identity.role.value, now)
    await sso_repo.add_link(
        uow.session,
        SsoIdentity(
            issuer=identity.issuer, subject=identity.subject, user_id=user.id, created_at=now
        ),
    )
    uow.emit(
        UserProvisioned(
            user_id=user.id,
            username=user.username,
            role=user.role,
            email=email,
            issuer=identity.issuer,
            subject=identity.subject,
            provider_roles=sorted(identity.provider_roles),
        )
    )
    return user


async def user_for(uow: UnitOfWork, identity: ExternalIdentity) -> tuple[User, bool]:
    """The user linked to a provider identity, made on first sight, with the role the
    provider's roles map to now. Returns the user and whether anything was written."""
    now = utcnow()
    user_id = await sso_repo.linked_user_id(uow.session, identity.issuer, identity.subject)
    if user_id is None:
        return await _provision(uow, identity, now), True
    user = await repo.get_user(uow.session, user_id)
    if user is None:  # a link always has its user (foreign key); kept for the type checker
        raise Unauthorized("the access token is not valid", code="invalid_token")
    if not user.active:
        raise Unauthorized("this account is disabled", code="account_disabled")
    if user.role == identity.role.value:
        return user, False
    user = await repo.get_user(uow.session, user_id, for_update=True)
    assert user is not None
    user.role = identity.role.value
    user.updated_at = now
    user.token_version += 1
    await announce(uow.session, user_id=user.id)
    await uow.session.flush()
    uow.emit(
        UserUpdated(user_id=user.id, username=user.username, changes={"role": identity.role.value})
    )
    return user, True


def actor_of(identity: ExternalIdentity) -> str:
    return identity.preferred_username or f"sso:{identity.subject}"


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        permissions=permissions_for(user.role),
        token_version=user.token_version,
    )


async def sign_in(
    uow: UnitOfWork,
    identity: ExternalIdentity,
    *,
    tokens: TokenCodec,
    settings: Settings,
    client: Client,
) -> tuple[TokenResponse, uuid.UUID]:
    """A Pulse session for the user of a verified provider token, and the user's id (for
    the caller to forget what it cached of the account once this has committed)."""
    provisioned, _ = await user_for(uow, identity)
    now = utcnow()
    user = await repo.get_user(uow.session, provisioned.id, for_update=True)
    assert user is not None  # just found or made, in this transaction
    user.last_login_at = now
    await uow.session.flush()
    await repo.delete_expired_tokens(uow.session, user.id, now=now)
    response = await issue_session(
        uow, user, now=now, tokens=tokens, settings=settings, client=client
    )
    uow.emit(UserLoggedIn(user_id=user.id, username=user.username))
    return response, user.id


class SingleSignOn:
    """The provider's verifier and, for tokens used as bearers, the principals they stand
    for (cached per token until it expires; the account's state is still checked on every
    request by auth/revocation.py)."""

    CACHE_SIZE = 4096

    def __init__(
        self, verifier: OidcVerifier, uow: UnitOfWorkFactory, token_states: TokenStates
    ) -> None:
        self.verifier = verifier
        self._uow = uow
        self._token_states = token_states
        self._principals: dict[str, tuple[Principal, float]] = {}

    def issued_by(self, token: str) -> bool:
        return self.verifier.issued_by(token)

    async def close(self) -> None:
        await self.verifier.close()

    async def principal(self, token: str) -> Principal:
        known = self._principals.get(token)
        if known is not None:
            principal, expires = known
            if time.time() < expires:
                return principal
            del self._principals[token]
        identity = await self.verifier.verify(token)
        principal = await self._resolve(identity)
        if len(self._principals) >= self.CACHE_SIZE:
            for stale in list(itertools.islice(self._principals, self.CACHE_SIZE // 4)):
                del self._principals[stale]
        self._principals[token] = (principal, identity.expires_at)
        return principal

    async def _resolve(self, identity: ExternalIdentity) -> Principal:
        # Two first requests of a new user can race to provision them: the loser's insert
        # fails on the link's key, and a second try finds the winner's user.
        for attempt in range(2):
            try:
                async with self._uow(actor=actor_of(identity)) as uow:
                    user, wrote = await user_for(uow, identity)
                    principal = principal_of(user)
                    if wrote:
                        await uow.commit()
                if wrote:  # a role changed: what this process cached of the account is stale
                    self._token_states.forget_user(principal.user_id)
                return principal
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")
