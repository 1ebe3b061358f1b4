"""Bad input to the auth endpoints: a 4xx problem, and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from pulse.bootstrap import Container
from pulse.platform.auth.models import LoginThrottle, User
from pulse.platform.outbox import OutboxRecord
from tests.conftest import ClientFor
from tests.integration.auth.conftest import PASSWORD, MakeUser, assert_problem, scalar


@pytest.fixture
def backend() -> str:
    # Validation happens before any SQL runs, so one backend covers it; the rest of the auth
    # suite runs on both.
    return "sqlite"


GOOD = {"username": "sam", "password": PASSWORD, "role": "clerk"}


async def _counts(container: Container) -> tuple[int, int, int]:
    return (
        await scalar(container, select(func.count()).select_from(User)),
        await scalar(container, select(func.count()).select_from(LoginThrottle)),
        await scalar(container, select(func.count()).select_from(OutboxRecord)),
    )


@pytest.mark.parametrize(
    "body",
    [
        {k: v for k, v in GOOD.items() if k != "password"},
        {k: v for k, v in GOOD.items() if k != "role"},
        {**GOOD, "username": "u" * 65},
        {**GOOD, "username": ""},
        {**GOOD, "username": "has space"},
        {**GOOD, "username": 123},
        {**GOOD, "password": "short"},
        {**GOOD, "password": 1234567890123},
        {**GOOD, "password": "p" * 1025},
        {**GOOD, "role": "superuser"},
        {**GOOD, "email": "not-an-email"},
        {**GOOD, "is_admin": True},
        [GOOD],
    ],
)
async def test_bad_user_bodies(client_for: ClientFor, container: Container, body: Any) -> None:
    before = await _counts(container)

    response = await client_for("admin").post("/auth/users", json=body)

    problem = assert_problem(response, 422)
    assert problem["detail"]
    assert await _counts(container) == before


async def test_malformed_json_is_a_problem(client_for: ClientFor, container: Container) -> None:
    admin = client_for("admin")
    before = await _counts(container)
    for path in ("/auth/users", "/auth/login", "/auth/refresh"):
        response = await admin.post(
            path, content=b'{"username": "sam",', headers={"Content-Type": "application/json"}
        )
        assert_problem(response, 422, "validation_error")
    assert await _counts(container) == before


@pytest.mark.parametrize(
    "body",
    [
        {"username": "sam"},
        {"password": PASSWORD},
        {"username": "s" * 65, "password": PASSWORD},
        {"username": "sam", "password": ""},
        {"username": ["sam"], "password": PASSWORD},
        {"username": "sam", "password": "p" * 1025},
    ],
)
async def test_bad_login_bodies(
    client_for: ClientFor, make_user: MakeUser, container: Container, body: dict[str, Any]
) -> None:
    await make_user("sam")
    before = await _counts(container)

    assert_problem(await client_for(None).post("/auth/login", json=body), 422)

    # A malformed request is not a failed attempt: it must not count towards a lockout.
    assert await _counts(container) == before


@pytest.mark.parametrize(
    "body", [{}, {"refresh_token": ""}, {"refresh_token": 42}, {"refresh_token": "t" * 201}]
)
async def test_bad_refresh_bodies(anon: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert_problem(await anon.post("/auth/refresh", json=body), 422)
    assert_problem(await anon.post("/auth/logout", json=body), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"role": "emperor"},
        {"active": "sometimes"},
        {"active": "yes"},
        {"active": 1},
        {"password": "short"},
        {"username": "renamed"},
    ],
)
async def test_bad_patches(
    client_for: ClientFor, make_user: MakeUser, container: Container, body: dict[str, Any]
) -> None:
    user = await make_user("tess")
    before = await _counts(container)

    response = await client_for("admin").patch(f"/auth/users/{user['id']}", json=body)

    assert_problem(response, 422)
    assert await _counts(container) == before
    [stored] = (await client_for("admin").get("/auth/users")).json()["items"]
    assert stored["role"] == "clerk" and stored["active"] is True


async def test_bad_paging(client_for: ClientFor) -> None:
    admin = client_for("admin")
    assert_problem(await admin.get("/auth/users", params={"limit": 0}), 422)
    assert_problem(await admin.get("/auth/users", params={"offset": -1}), 422)
    assert_problem(await admin.get("/auth/users", params={"limit": "many"}), 422)
