"""Logging in: credentials, throttling, the tokens it hands out and /auth/me."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from pulse.app import create_app
from pulse.bootstrap import Container, build_container
from pulse.platform.auth import passwords
from pulse.platform.auth.models import LoginThrottle, User
from pulse.platform.auth.tokens import TokenCodec
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings
from tests.conftest import ClientFor
from tests.integration.auth.conftest import (
    PASSWORD,
    MakeUser,
    assert_problem,
    events_of,
    login,
    scalar,
    throttle_of,
)


async def test_login_returns_tokens_that_work(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    created = await make_user("Alice", role="accountant", email="alice@example.com")
    assert created["username"] == "alice"

    response = await login(anon, "ALICE")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["username"] == "alice" and body["role"] == "accountant"
    assert body["expires_in"] == container.settings.access_token_ttl_seconds
    assert body["refresh_token"] and body["refresh_token"] != body["access_token"]
    me = await anon.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text
    profile = me.json()
    assert profile["id"] == created["id"]
    assert profile["email"] == "alice@example.com"
    assert profile["last_login_at"] is not None
    assert "billing:write" in profile["permissions"] and "users:admin" not in profile["permissions"]
    logged_in = await events_of(container, "user.logged_in")
    assert [e.aggregate_id for e in logged_in] == [created["id"]]


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    anon: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("bob")

    wrong = assert_problem(await login(anon, "bob", "not the password"), 401, "invalid_credentials")
    unknown = assert_problem(await login(anon, "nobody", PASSWORD), 401, "invalid_credentials")

    assert wrong["detail"] == unknown["detail"]
    assert "access_token" not in wrong


async def test_throttle_locks_a_username_and_holds_across_processes(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container, settings: Settings
) -> None:
    await make_user("carol")
    limit = settings.login_max_failures
    for _ in range(limit):
        assert_problem(await login(anon, "carol", "wrong password"), 401)

    locked = assert_problem(await login(anon, "carol"), 429, "login_locked")
    assert 0 < locked["retry_after"] <= settings.login_lockout_seconds
    row = await throttle_of(container, "carol")
    assert row is not None and row.failures == limit
    assert len(await events_of(container, "user.login_locked")) == 1

    # A second process on the same database sees the same lock.
    other = build_container(settings, run_consumers=False)
    other_app = create_app(other)
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://other.test") as client:
        assert_problem(await login(client, "carol"), 429, "login_locked")
    await other.db.dispose()

    # Once the lock has run out, the right password works and the slate is wiped.
    async with container.uow() as uow:
        await uow.session.execute(
            update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1))
        )
        await uow.commit()
    assert (await login(anon, "carol")).status_code == 200
    assert await throttle_of(container, "carol") is None


async def test_unknown_usernames_are_throttled_too(
    anon: httpx.AsyncClient, settings: Settings
) -> None:
    for _ in range(settings.login_max_failures):
        assert_problem(await login(anon, "ghost", "guess"), 401)
    assert_problem(await login(anon, "ghost", "guess"), 429, "login_locked")


async def test_a_successful_login_resets_the_failure_count(
    anon: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    await make_user("dave")
    for _ in range(settings.login_max_failures - 1):
        assert_problem(await login(anon, "dave", "wrong password"), 401)
    assert (await login(anon, "dave")).status_code == 200
    assert await throttle_of(container, "dave") is None
    for _ in range(settings.login_max_failures - 1):
        assert_problem(await login(anon, "dave", "wrong password"), 401)
    assert (await login(anon, "dave")).status_code == 200


async def test_a_disabled_account_cannot_log_in(
    anon: httpx.AsyncClient, client_for: ClientFor, make_user: MakeUser
) -> None:
    user = await make_user("erin")
    response = await client_for("admin").patch(f"/auth/users/{user['id']}", json={"active": False})
    assert response.status_code == 200 and response.json()["active"] is False

    assert_problem(await login(anon, "erin"), 401, "account_disabled")


async def test_a_login_upgrades_an_outdated_hash(
    anon: httpx.AsyncClient,
    make_user: MakeUser,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_user("frank")
    before = await scalar(container, select(User.password_hash).where(User.username == "frank"))
    stronger = PasswordHasher(time_cost=2, memory_cost=64, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", stronger)

    assert (await login(anon, "frank")).status_code == 200

    after = await scalar(container, select(User.password_hash).where(User.username == "frank"))
    assert after != before and "t=2" in after
    assert (await login(anon, "frank")).status_code == 200


async def test_me_needs_a_valid_token(
    anon: httpx.AsyncClient, client_for: ClientFor, settings: Settings
) -> None:
    assert_problem(await anon.get("/auth/me"), 401)
    garbage = await anon.get("/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert_problem(garbage, 401, "invalid_token")
    assert garbage.headers["www-authenticate"] == "Bearer"

    assert settings.jwt_secret is not None
    secret = settings.jwt_secret.get_secret_value()
    expired = TokenCodec(secret, issuer=settings.jwt_issuer, ttl_seconds=-60).issue(
        user_id=uuid.uuid4(), username="old", role="admin"
    )
    response = await anon.get("/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert_problem(response, 401, "token_expired")

    other_secret = TokenCodec(
        "another-secret-" + "y" * 40, issuer=settings.jwt_issuer, ttl_seconds=60
    )
    forged = other_secret.issue(user_id=uuid.uuid4(), username="x", role="admin")
    response = await anon.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "invalid_token")


async def test_me_works_for_a_token_whose_user_has_no_row(client_for: ClientFor) -> None:
    response = await client_for("viewer").get("/auth/me")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["username"] == "test-viewer" and body["role"] == "viewer"
    assert "customers:read" in body["permissions"] and "customers:write" not in body["permissions"]
    assert body["email"] is None


async def test_concurrent_failures_all_count(
    anon: httpx.AsyncClient, container: Container, settings: Settings
) -> None:
    attempts = settings.login_max_failures - 1

    responses = await asyncio.gather(*(login(anon, "racer", "wrong") for _ in range(attempts)))

    assert [r.status_code for r in responses] == [401] * attempts
    row = await throttle_of(container, "racer")
    assert row is not None and row.failures == attempts and row.locked_until is None
