"""`pulse users …`: manage accounts from the shell, e.g. to recover a lost admin password."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError

from pulse.platform.auth import service
from pulse.platform.auth.permissions import Role
from pulse.platform.auth.schemas import UserCreate, UserUpdate
from pulse.platform.db import Database
from pulse.platform.errors import PulseError
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

users_app = typer.Typer(no_args_is_help=True, help="User accounts.")

T = TypeVar("T")
RoleArg = Annotated[
    Role, typer.Argument(case_sensitive=False, help="admin, accountant, clerk or viewer.")
]


def _run(work: Callable[[UnitOfWork], Awaitable[T]], *, commit: bool = True) -> T:
    async def go() -> T:
        db = Database(Settings().resolved_database_url, pool_size=0)
        try:
            async with UnitOfWorkFactory(db)(actor="cli", readonly=not commit) as uow:
                result = await work(uow)
                if commit:
                    await uow.commit()
                return result
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    except PulseError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


def _validated(model: type[T], **fields: object) -> T:
    try:
        return model.model_validate(fields)  # type: ignore[attr-defined, no-any-return]
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
    user = _run(lambda uow: service.create_user(uow, data))
    typer.echo(f"created {user.username} ({user.role}) {user.id}")


@users_app.command("list")
def list_users() -> None:
    """List every user."""
    page = _run(lambda uow: service.list_users(uow, limit=10_000, offset=0), commit=False)
    for user in page.items:
        state = "active" if user.active else "disabled"
        last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "never"
        typer.echo(f"{user.username:<24} {user.role:<10} {state:<8} last login {last}")
    typer.echo(f"{page.total} user(s)")


async def _update(uow: UnitOfWork, username: str, data: UserUpdate) -> str:
    user_id = await service.user_id_for(uow, username)
    return (await service.update_user(uow, user_id, data)).username


@users_app.command("set-role")
def set_role(username: str, role: RoleArg) -> None:
    """Change a user's role."""
    data = _validated(UserUpdate, role=role)
    name = _run(lambda uow: _update(uow, username, data))
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
    name = _run(lambda uow: _update(uow, username, data))
    typer.echo(f"password of {name} changed")
