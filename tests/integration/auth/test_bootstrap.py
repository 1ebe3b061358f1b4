"""The first admin: created once, with the configured or a generated password."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pulse.bootstrap import Container
from pulse.cli import first_admin
from pulse.platform.auth import passwords
from pulse.platform.auth.bootstrap import ensure_admin
from pulse.platform.auth.models import User
from pulse.platform.db import Database
from pulse.platform.settings import Settings
from tests.integration.auth.conftest import MakeUser, events_of, login, rows, user_count


async def test_admin_from_the_configured_password(
    settings: Settings, container: Container, anon: httpx.AsyncClient
) -> None:
    assert settings.admin_password is not None

    assert await ensure_admin(settings) is None

    [admin] = await rows(container, select(User))
    assert (admin.username, admin.role, admin.active) == ("admin", "admin", True)
    response = await login(anon, "admin", settings.admin_password.get_secret_value())
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert len(await events_of(container, "user.created")) == 1

    assert await ensure_admin(settings) is None
    assert await user_count(container) == 1


async def test_admin_with_a_generated_password(
    settings: Settings, container: Container, anon: httpx.AsyncClient
) -> None:
    no_password = settings.model_copy(update={"admin_password": None})

    password = await ensure_admin(no_password)

    assert password is not None and len(password) >= 20
    assert (await login(anon, "admin", password)).status_code == 200
    assert await ensure_admin(no_password) is None
    assert await user_count(container) == 1


async def test_no_admin_when_users_exist(
    settings: Settings, container: Container, make_user: MakeUser
) -> None:
    await make_user("uma", role="clerk")

    assert await ensure_admin(settings) is None

    assert [u.username for u in await rows(container, select(User))] == ["uma"]


@pytest.mark.parametrize("race_url", ["postgres", "mariadb"], indirect=True)
async def test_processes_starting_together_create_one_admin(race_url: str, tmp_path: Path) -> None:
    """Services mode: every serving process tries on its first start; each call here has its
    own engine and connections, as processes would, and they race past the user count."""
    settings = Settings(data_dir=tmp_path, database_url=race_url, admin_password=None)

    shown = [p for p in await asyncio.gather(*(ensure_admin(settings) for _ in range(4))) if p]

    assert len(shown) == 1
    db = Database(race_url, pool_size=0)
    try:
        async with db.sessionmaker() as session:
            [admin] = (await session.scalars(select(User))).all()
    finally:
        await db.dispose()
    assert admin.username == "admin" and passwords._verify(admin.password_hash, shown[0])


@pytest.mark.parametrize("race_url", ["sqlite"], indirect=True)
def test_a_serving_process_says_the_admin_password_it_made(
    race_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=race_url, admin_password=None)

    first_admin(settings)
    said = capsys.readouterr().out
    first_admin(settings)

    assert said.startswith("first start: created the user 'admin' with password: ")
    assert capsys.readouterr().out == ""
