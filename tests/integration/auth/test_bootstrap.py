"""The first admin: created once, with the configured or a generated password."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from pulse.bootstrap import Container
from pulse.platform.auth.bootstrap import ensure_admin
from pulse.platform.auth.models import User
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
