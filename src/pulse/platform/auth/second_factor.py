"""The second factor: a user's TOTP enrolment, the codes that prove it, recovery codes, and
the roles that must have one (a setting of the hub). The sign-in step that asks for a code
is auth/challenges.py."""

from __future__ import annotations

import uuid
from typing import Literal

from pulse.platform.auth import factor_repository as factors
from pulse.platform.auth import repository as repo
from pulse.platform.auth import totp
from pulse.platform.auth.factor_events import (
    RecoveryCodesIssued,
    RecoveryCodeUsed,
    SecondFactorDisabled,
    SecondFactorEnabled,
    SecondFactorPolicyChanged,
)
from pulse.platform.auth.factor_schemas import (
    RecoveryCodes,
    SecondFactorPolicy,
    SecondFactorStatus,
    TotpSetup,
)
from pulse.platform.auth.models import User
from pulse.platform.auth.permissions import Role
from pulse.platform.errors import Conflict, InvalidInput, NotFound
from pulse.platform.events import utcnow
from pulse.platform.uow import UnitOfWork

Needed = Literal["totp", "enrol"]


def invalid_code() -> InvalidInput:
    return InvalidInput(
        "the code is not right, or was already used; use the next one",
        code="invalid_code",
        field="code",
    )


async def known_user(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    user = await repo.get_user(uow.session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", code="user_not_found")
    return user


async def needed(uow: UnitOfWork, user: User) -> Needed | None:
    """What a sign-in of this user needs after the password: a code, an enrolment, or
    nothing."""
    factor = await factors.get_factor(uow.session, user.id)
    if factor is not None and factor.confirmed_at is not None:
        return "totp"
    if await factors.role_requires(uow.session, user.role):
        return "enrol"
    return None


async def status(uow: UnitOfWork, user: User) -> SecondFactorStatus:
    factor = await factors.get_factor(uow.session, user.id)
    enabled = factor is not None and factor.confirmed_at is not None
    return SecondFactorStatus(
        enabled=enabled,
        pending=factor is not None and not enabled,
        confirmed_at=factor.confirmed_at if factor is not None else None,
        recovery_codes_left=await factors.recovery_codes_left(uow.session, user.id),
        required=await factors.role_requires(uow.session, user.role),
    )


async def begin_setup(uow: UnitOfWork, user: User) -> TotpSetup:
    """A new secret for the user, pending until confirmed with a code."""
    factor = await factors.get_factor(uow.session, user.id, for_update=True)
    if factor is not None and factor.confirmed_at is not None:
        raise Conflict(
            "a second factor is already set up; turn it off first to set up another",
            code="second_factor_enabled",
        )
    secret = totp.new_secret()
    await factors.replace_factor(uow.session, user.id, secret, now=utcnow())
    uri = totp.provisioning_uri(secret, user.username)
    return TotpSetup(secret=secret, otpauth_uri=uri, qr_svg=totp.qr_svg_data_uri(uri))


async def confirm_setup(uow: UnitOfWork, user: User, code: str) -> RecoveryCodes:
    """Turn the pending secret on with a code from it; the answer holds the recovery codes."""
    now = utcnow()
    factor = await factors.get_factor(uow.session, user.id, for_update=True)
    if factor is None or factor.confirmed_at is not None:
        raise Conflict(
            "there is no second factor waiting to be confirmed; set one up first",
            code="no_pending_second_factor",
        )
    step = totp.matching_step(factor.secret, code, now=now)
    if step is None or not await factors.use_step(uow.session, user.id, step, confirm_at=now):
        raise invalid_code()
    uow.emit(SecondFactorEnabled(user_id=user.id, username=user.username))
    return await _new_recovery_codes(uow, user)


async def _new_recovery_codes(uow: UnitOfWork, user: User) -> RecoveryCodes:
    codes = totp.new_recovery_codes()
    hashes = [totp.hash_recovery_code(c) for c in codes]
    await factors.replace_recovery_codes(uow.session, user.id, hashes, now=utcnow())
    uow.emit(RecoveryCodesIssued(user_id=user.id, username=user.username, count=len(codes)))
    return RecoveryCodes(recovery_codes=codes)


async def prove(uow: UnitOfWork, user: User, code: str, *, recovery: bool = True) -> bool:
    """Whether `code` proves the user's second factor, spending it: a TOTP code's time step
    (and every earlier one) cannot be used again, a recovery code is used up."""
    now = utcnow()
    factor = await factors.get_factor(uow.session, user.id, for_update=True)
    if factor is None or factor.confirmed_at is None:
        return False
    step = totp.matching_step(factor.secret, code, now=now)
    if step is not None:
        return await factors.use_step(uow.session, user.id, step)
    if not recovery or not totp.looks_like_recovery_code(code):
        return False
    spent = await factors.use_recovery_code(
        uow.session, user.id, totp.hash_recovery_code(code), at=now
    )
    if spent:
        left = await factors.recovery_codes_left(uow.session, user.id)
        uow.emit(RecoveryCodeUsed(user_id=user.id, username=user.username, codes_left=left))
    return spent


async def renew_recovery_codes(uow: UnitOfWork, user: User, code: str) -> RecoveryCodes:
    """Ten new recovery codes in place of the old ones, against a code of the factor."""
    if not await prove(uow, user, code, recovery=False):
        raise invalid_code()
    return await _new_recovery_codes(uow, user)


async def disable(uow: UnitOfWork, user: User, code: str) -> None:
    """Turn the user's own second factor off, against a code (a stolen access token alone
    cannot), unless the role requires one."""
    if await factors.role_requires(uow.session, user.role):
        raise Conflict(
            f"the '{user.role}' role requires a second factor; it cannot be turned off",
            code="second_factor_required",
        )
    if not await prove(uow, user, code):
        raise invalid_code()
    await factors.remove_factor(uow.session, user.id)
    uow.emit(SecondFactorDisabled(user_id=user.id, username=user.username, by=user.username))


async def reset(uow: UnitOfWork, user_id: uuid.UUID, *, by: str) -> None:
    """An admin removes a user's second factor (a lost phone): the user signs in with the
    password alone, or enrols again at the next sign-in when the role requires it."""
    user = await known_user(uow, user_id)
    if not await factors.remove_factor(uow.session, user.id):
        raise NotFound(f"{user.username} has no second factor", code="no_second_factor")
    uow.emit(SecondFactorDisabled(user_id=user.id, username=user.username, by=by))


async def policy(uow: UnitOfWork) -> SecondFactorPolicy:
    roles = await factors.required_roles(uow.session)
    return SecondFactorPolicy(required_roles=[Role(r) for r in roles])


async def set_policy(uow: UnitOfWork, data: SecondFactorPolicy, *, by: str) -> SecondFactorPolicy:
    roles = sorted({r.value for r in data.required_roles})
    if roles != await factors.required_roles(uow.session):
        await factors.set_required_roles(uow.session, roles, now=utcnow(), by=by)
        uow.emit(SecondFactorPolicyChanged(required_roles=roles))
    return SecondFactorPolicy(required_roles=[Role(r) for r in roles])
