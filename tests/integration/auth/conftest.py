"""Helpers for the auth tests: cheap password hashing, users made through the admin API,
and direct looks at the tables the API writes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from pulse.bootstrap import Container
from pulse.platform.auth import passwords
from pulse.platform.auth.models import LoginThrottle, RefreshToken, User
from pulse.platform.outbox import OutboxRecord
from tests.conftest import ClientFor

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Production parameters cost ~130 ms a hash; the behaviour under test does not depend on them.
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
async def anon(client_for: ClientFor) -> httpx.AsyncClient:
    return client_for(None)


MakeUser = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_user(client_for: ClientFor) -> MakeUser:
    admin = client_for("admin")

    async def make(
        username: str, role: str = "clerk", password: str = PASSWORD, **extra: Any
    ) -> dict[str, Any]:
        response = await admin.post(
            "/auth/users", json={"username": username, "password": password, "role": role, **extra}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/auth/login", json={"username": username, "password": password})


async def scalar(container: Container, query: Any) -> Any:
    async with container.uow(readonly=True) as uow:
        return (await uow.session.execute(query)).scalar()


async def rows(container: Container, query: Any) -> list[Any]:
    async with container.uow(readonly=True) as uow:
        found = list((await uow.session.execute(query)).scalars())
        # Detached before the closing rollback, which would otherwise expire their attributes.
        uow.session.expunge_all()
        return found


async def user_count(container: Container) -> int:
    return int(await scalar(container, select(func.count()).select_from(User)))


async def throttle_of(container: Container, username: str) -> LoginThrottle | None:
    found = await rows(container, select(LoginThrottle).where(LoginThrottle.username == username))
    return found[0] if found else None


async def tokens_of(container: Container, user_id: str) -> list[RefreshToken]:
    query = select(RefreshToken).where(RefreshToken.user_id == uuid.UUID(user_id))
    return await rows(container, query)


async def events_of(container: Container, event_type: str) -> list[OutboxRecord]:
    query = select(OutboxRecord).where(OutboxRecord.type == event_type).order_by(OutboxRecord.pk)
    return await rows(container, query)


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body
