"""User administration: who may do it, what it writes, and what it refuses."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pulse.bootstrap import Container
from pulse.platform.auth.models import User
from tests.conftest import ClientFor
from tests.integration.auth.conftest import (
    PASSWORD,
    MakeUser,
    assert_problem,
    events_of,
    login,
    rows,
    user_count,
)


async def test_admin_creates_and_lists_users(client_for: ClientFor, container: Container) -> None:
    admin = client_for("admin")

    response = await admin.post(
        "/auth/users",
        json={
            "username": "Nora",
            "password": PASSWORD,
            "role": "accountant",
            "email": "nora@example.com",
        },
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["username"] == "nora" and created["role"] == "accountant"
    assert created["active"] is True and created["last_login_at"] is None
    assert "password" not in created and "password_hash" not in created
    [stored] = await rows(container, select(User))
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    [event] = await events_of(container, "user.created")
    assert event.payload["username"] == "nora" and event.actor == "test-admin"
    assert PASSWORD not in str(event.payload)

    await admin.post("/auth/users", json={"username": "ann", "password": PASSWORD, "role": "clerk"})
    page = (await admin.get("/auth/users", params={"limit": 1})).json()
    assert page["total"] == 2 and [u["username"] for u in page["items"]] == ["ann"]
    rest = (await admin.get("/auth/users", params={"limit": 1, "offset": 1})).json()
    assert [u["username"] for u in rest["items"]] == ["nora"]


async def test_duplicates_are_refused(
    client_for: ClientFor, make_user: MakeUser, container: Container
) -> None:
    await make_user("oscar", email="oscar@example.com")
    admin = client_for("admin")

    same_name = await admin.post(
        "/auth/users", json={"username": "OSCAR", "password": PASSWORD, "role": "clerk"}
    )
    same_email = await admin.post(
        "/auth/users",
        json={
            "username": "oscar2",
            "password": PASSWORD,
            "role": "clerk",
            "email": "Oscar@Example.com",
        },
    )

    assert_problem(same_name, 409, "duplicate_username")
    assert_problem(same_email, 409, "duplicate_email")
    assert await user_count(container) == 1


async def test_only_admins_manage_users(
    client_for: ClientFor, make_user: MakeUser, container: Container
) -> None:
    target = await make_user("pete")
    clerk = client_for("clerk")

    assert_problem(await clerk.get("/auth/users"), 403, "forbidden")
    created = await clerk.post(
        "/auth/users", json={"username": "mallory", "password": PASSWORD, "role": "admin"}
    )
    assert_problem(created, 403, "forbidden")
    promoted = await clerk.patch(f"/auth/users/{target['id']}", json={"role": "admin"})
    assert_problem(promoted, 403, "forbidden")
    assert_problem(await client_for(None).get("/auth/users"), 401)

    assert await user_count(container) == 1
    [stored] = await rows(container, select(User))
    assert stored.role == "clerk"


async def test_a_viewer_cannot_create_a_customer(client_for: ClientFor) -> None:
    response = await client_for("viewer").post(
        "/customers", json={"name": "Acme", "email": "acme@example.com"}
    )
    assert_problem(response, 403, "forbidden")
    listed = await client_for("viewer").get("/customers")
    assert listed.status_code == 200 and listed.json()["total"] == 0


async def test_patch_changes_only_what_is_sent(
    client_for: ClientFor, make_user: MakeUser, container: Container
) -> None:
    user = await make_user("quinn", role="viewer")
    admin = client_for("admin")

    response = await admin.patch(f"/auth/users/{user['id']}", json={"role": "clerk"})

    assert response.status_code == 200, response.text
    assert response.json()["role"] == "clerk" and response.json()["active"] is True
    [event] = await events_of(container, "user.updated")
    assert event.payload["changes"] == {"role": "clerk"}
    unchanged = await admin.patch(f"/auth/users/{user['id']}", json={})
    assert unchanged.status_code == 200 and unchanged.json()["role"] == "clerk"
    assert len(await events_of(container, "user.updated")) == 1


async def test_the_last_active_admin_stays(
    client_for: ClientFor, make_user: MakeUser, container: Container
) -> None:
    boss = await make_user("root", role="admin")
    admin = client_for("admin")

    assert_problem(
        await admin.patch(f"/auth/users/{boss['id']}", json={"active": False}), 409, "last_admin"
    )
    assert_problem(
        await admin.patch(f"/auth/users/{boss['id']}", json={"role": "clerk"}), 409, "last_admin"
    )

    await make_user("deputy", role="admin")
    demoted = await admin.patch(f"/auth/users/{boss['id']}", json={"role": "clerk"})
    assert demoted.status_code == 200 and demoted.json()["role"] == "clerk"


async def test_patch_of_a_missing_or_malformed_id(client_for: ClientFor) -> None:
    admin = client_for("admin")
    assert_problem(
        await admin.patch(f"/auth/users/{uuid.uuid4()}", json={"role": "clerk"}),
        404,
        "user_not_found",
    )
    assert_problem(await admin.patch("/auth/users/not-a-uuid", json={"role": "clerk"}), 422)


async def test_created_user_can_log_in(client_for: ClientFor, make_user: MakeUser) -> None:
    await make_user("rita", role="viewer")
    response = await login(client_for(None), "rita")
    assert response.status_code == 200 and response.json()["role"] == "viewer"
