"""`pulse users …`: manage accounts from the shell, e.g. to recover a lost admin password."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from pulse.platform.auth import repository, service
from pulse.platform.auth.keys import (
    KeyRing,
    KeyRingMissing,
    load_key_ring,
    note_long_lived_token,
    ring_path,
)
from pulse.platform.auth.passwords import HashPool
from pulse.platform.auth.permissions import Role
from pulse.platform.auth.schemas import UserCreate, UserUpdate
from pulse.platform.auth.tokens import TokenCodec
from pulse.platform.db import Database
from pulse.platform.errors import InvalidInput, NotFound, PulseError
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

users_app = typer.Typer(no_args_is_help=True, help="User accounts.")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
RoleArg = Annotated[
    Role, typer.Argument(case_sensitive=False, help="admin, accountant, clerk or viewer.")
]


def _run(
    work: Callable[[UnitOfWork, HashPool], Awaitable[T]],
    *,
    commit: bool = True,
    settings: Settings | None = None,
) -> T:
    async def go() -> T:
        db = Database((settings or Settings()).resolved_database_url, pool_size=0)
        hashing = HashPool(workers=1)
        try:
            async with UnitOfWorkFactory(db)(actor="cli", readonly=not commit) as uow:
                result = await work(uow, hashing)
                if commit:
                    await uow.commit()
                return result
        finally:
            hashing.close()
            await db.dispose()

    try:
        return asyncio.run(go())
    except PulseError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


def _validated(model: type[M], **fields: object) -> M:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        typer.echo(f"error: {where}: {first['msg']}", err=True)
        raise typer.Exit(2) from exc


@users_app.command("create")
def create(
    username: str,
    role: Annotated[
        Role, typer.Option(case_sensitive=False, help="admin, accountant, clerk or viewer.")
    ],
    password: Annotated[str | None, typer.Option(help="Asked for (hidden) when not given.")] = None,
    email: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = _validated(UserCreate, username=username, password=password, role=role, email=email)
    user = _run(lambda uow, hashing: service.create_user(uow, data, hashing=hashing))
    typer.echo(f"created {user.username} ({user.role}) {user.id}")


@users_app.command("list")
def list_users() -> None:
    """List every user."""
    page = _run(lambda uow, _: service.list_users(uow, limit=10_000, offset=0), commit=False)
    for user in page.items:
        state = "active" if user.active else "disabled"
        last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "never"
        typer.echo(f"{user.username:<24} {user.role:<10} {state:<8} last login {last}")
    typer.echo(f"{page.total} user(s)")


async def _update(uow: UnitOfWork, hashing: HashPool, username: str, data: UserUpdate) -> str:
    user_id = await service.user_id_for(uow, username)
    return (await service.update_user(uow, user_id, data, hashing=hashing)).username


@users_app.command("set-role")
def set_role(username: str, role: RoleArg) -> None:
    """Change a user's role."""
    data = _validated(UserUpdate, role=role)
    name = _run(lambda uow, hashing: _update(uow, hashing, username, data))
    typer.echo(f"{name} is now {role.value}")


@users_app.command("set-password")
def set_password(
    username: str,
    password: Annotated[str | None, typer.Option(help="Asked for (hidden) when not given.")] = None,
) -> None:
    """Set a user's password; their refresh tokens stop working."""
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    data = _validated(UserUpdate, password=password)
    name = _run(lambda uow, hashing: _update(uow, hashing, username, data))
    typer.echo(f"password of {name} changed")


@users_app.command("revoke-tokens")
def revoke_tokens(username: str) -> None:
    """Stop every token of a user now: long-lived tokens, sessions and refresh tokens.

    A running server stops honouring them within PULSE_TOKEN_CHECK_SECONDS (5 s by default).
    """

    async def revoke(uow: UnitOfWork, _: HashPool) -> None:
        await service.end_sessions(uow, await service.user_id_for(uow, username))

    _run(revoke)
    typer.echo(f"every token of {username.strip().lower()} is revoked")


async def _active_user(uow: UnitOfWork, username: str) -> tuple[uuid.UUID, str, str, int]:
    user = await repository.get_user_by_username(uow.session, username.strip().lower())
    if user is None:
        raise NotFound(f"no user named '{username}'", code="user_not_found")
    if not user.active:
        raise InvalidInput(f"user '{user.username}' is disabled", code="user_disabled")
    return user.id, user.username, user.role, user.token_version


def _signing_keys(settings: Settings) -> KeyRing:
    """The server's signing keys; never new ones (a token signed with them would not work)."""
    try:
        return load_key_ring(settings, create=False)
    except KeyRingMissing:
        typer.echo(
            f"error: no JWT secret: set PULSE_JWT_SECRET as the server has it, or run this "
            f"where the server keeps its data ({ring_path(settings)} does not exist)",
            err=True,
        )
        raise typer.Exit(1) from None


def issue_token(settings: Settings, username: str, *, days: int) -> str:
    """A `days`-long access token for an existing, active user, with that user's role.

    It carries the user's token version, so disabling the user, changing their password or
    role, or `pulse users revoke-tokens` stops it. A key rotation keeps its key until it expires."""
    keys = _signing_keys(settings)
    user_id, name, role, version = _run(
        lambda uow, _: _active_user(uow, username), commit=False, settings=settings
    )
    codec = TokenCodec(
        keys, issuer=settings.jwt_issuer, ttl_seconds=settings.access_token_ttl_seconds
    )
    token = codec.issue(
        user_id=user_id, username=name, role=role, ttl_seconds=days * 86_400, version=version
    )
    note_long_lived_token(settings, keys.current.kid, utcnow() + timedelta(days=days, seconds=60))
    return token


@users_app.command("token")
def token(
    username: str,
    days: Annotated[
        int, typer.Option(min=1, max=3650, help="Days the token stays valid (1 to 3650).")
    ] = 365,
) -> None:
    """Print a long-lived access token for a machine client (e.g. Grafana) acting as a user.

    The token carries the user's role; it stops working when the user is disabled, their
    password or role changes, or `pulse users revoke-tokens` is run. Give machine clients a
    viewer account of their own.
    """
    typer.echo(issue_token(Settings(), username, days=days))
