"""Refresh-token rotation, reuse detection and logout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from pulse.bootstrap import Container
from pulse.platform.auth.models import RefreshToken
from pulse.platform.events import utcnow
from tests.conftest import ClientFor
from tests.integration.auth.conftest import (
    MakeUser,
    assert_problem,
    events_of,
    login,
    tokens_of,
)


async def _session(anon: httpx.AsyncClient, make_user: MakeUser, name: str) -> tuple[Any, Any]:
    user = await make_user(name)
    response = await login(anon, name)
    assert response.status_code == 200, response.text
    return user, response.json()


async def _refresh(anon: httpx.AsyncClient, token: str) -> httpx.Response:
    return await anon.post("/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates_the_token(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    user, first = await _session(anon, make_user, "gina")

    response = await _refresh(anon, first["refresh_token"])

    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["username"] == "gina" and second["role"] == "clerk"
    me = await anon.get("/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == user["id"]
    stored = await tokens_of(container, user["id"])
    assert len(stored) == 2 and len({t.family_id for t in stored}) == 1
    old = next(t for t in stored if t.revoked_at is not None)
    new = next(t for t in stored if t.revoked_at is None)
    assert old.replaced_by == new.id
    # Only a hash is kept, never the token itself.
    assert all(second["refresh_token"] not in (t.token_hash, str(t.id)) for t in stored)


async def test_reusing_a_rotated_token_revokes_the_whole_family(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    user, first = await _session(anon, make_user, "hank")
    second = (await _refresh(anon, first["refresh_token"])).json()
    # A separate login is a separate family and must survive.
    other = (await login(anon, "hank")).json()

    assert_problem(await _refresh(anon, first["refresh_token"]), 401, "invalid_refresh_token")

    assert_problem(await _refresh(anon, second["refresh_token"]), 401, "invalid_refresh_token")
    assert (await _refresh(anon, other["refresh_token"])).status_code == 200
    reused = await events_of(container, "user.refresh_token_reused")
    assert [e.aggregate_id for e in reused] == [user["id"]]


async def test_logout_revokes_the_token(anon: httpx.AsyncClient, make_user: MakeUser) -> None:
    _, pair = await _session(anon, make_user, "iris")

    response = await anon.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})

    assert response.status_code == 204
    assert_problem(await _refresh(anon, pair["refresh_token"]), 401)
    # Logging out twice, or with a token never issued, is not an error.
    again = await anon.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 204
    unknown = await anon.post("/auth/logout", json={"refresh_token": "never-issued"})
    assert unknown.status_code == 204


async def test_unknown_and_expired_refresh_tokens_are_refused(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    _, pair = await _session(anon, make_user, "jack")
    assert_problem(await _refresh(anon, "x" * 43), 401, "invalid_refresh_token")

    async with container.uow() as uow:
        await uow.session.execute(
            update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await uow.commit()

    assert_problem(await _refresh(anon, pair["refresh_token"]), 401, "invalid_refresh_token")


async def test_a_disabled_user_cannot_refresh(
    anon: httpx.AsyncClient, make_user: MakeUser, client_for: ClientFor, container: Container
) -> None:
    user, pair = await _session(anon, make_user, "kate")

    patch = await client_for("admin").patch(f"/auth/users/{user['id']}", json={"active": False})
    assert patch.status_code == 200, patch.text

    assert_problem(await _refresh(anon, pair["refresh_token"]), 401, "invalid_refresh_token")
    assert all(t.revoked_at is not None for t in await tokens_of(container, user["id"]))


async def test_a_new_password_ends_existing_sessions(
    anon: httpx.AsyncClient, make_user: MakeUser, client_for: ClientFor
) -> None:
    user, pair = await _session(anon, make_user, "liam")

    patch = await client_for("admin").patch(
        f"/auth/users/{user['id']}", json={"password": "a brand new password"}
    )
    assert patch.status_code == 200, patch.text

    assert_problem(await _refresh(anon, pair["refresh_token"]), 401)
    assert_problem(await login(anon, "liam"), 401)
    assert (await login(anon, "liam", "a brand new password")).status_code == 200


async def test_a_role_change_reaches_the_next_access_token(
    anon: httpx.AsyncClient, make_user: MakeUser, client_for: ClientFor
) -> None:
    user, pair = await _session(anon, make_user, "mona")

    patch = await client_for("admin").patch(f"/auth/users/{user['id']}", json={"role": "viewer"})
    assert patch.status_code == 200, patch.text

    response = await _refresh(anon, pair["refresh_token"])
    assert response.status_code == 200, response.text
    access = response.json()["access_token"]
    me = await anon.get("/auth/me", headers={"Authorization": f"Bearer {access}"})
    assert me.json()["role"] == "viewer"
    denied = await anon.post(
        "/customers",
        json={"name": "Acme", "email": "acme@example.com"},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert_problem(denied, 403, "forbidden")
