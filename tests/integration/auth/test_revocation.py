"""Finding 6: an access token stops working as soon as what it stands for changes: the
account is disabled, its password or role changes, or its session is logged out."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from typer.testing import CliRunner

from pulse.app import create_app
from pulse.bootstrap import build_container
from pulse.cli import app as cli_app
from pulse.platform.auth import cli as users_cli
from pulse.platform.settings import Settings
from tests.conftest import ClientFor
from tests.integration.auth.conftest import MakeUser, assert_problem, login


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _signed_in(anon: httpx.AsyncClient, make_user: MakeUser, name: str) -> tuple[str, dict]:
    user = await make_user(name, role="accountant")
    response = await login(anon, name)
    assert response.status_code == 200, response.text
    pair = response.json()
    assert (await anon.get("/auth/me", headers=bearer(pair["access_token"]))).status_code == 200
    return user["id"], pair


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"password": "a brand new password"}, {"role": "viewer"}],
    ids=["disabled", "password", "role"],
)
async def test_an_account_change_stops_its_access_tokens_at_once(
    anon: httpx.AsyncClient, make_user: MakeUser, client_for: ClientFor, change: dict
) -> None:
    user_id, pair = await _signed_in(anon, make_user, "paula")

    response = await client_for("admin").patch(f"/auth/users/{user_id}", json=change)
    assert response.status_code == 200, response.text

    after = await anon.get("/auth/me", headers=bearer(pair["access_token"]))
    assert_problem(after, 401)
    # An endpoint guarded by a permission the old role had refuses it as well.
    invoices = await anon.get("/billing/invoices", headers=bearer(pair["access_token"]))
    assert_problem(invoices, 401)


async def test_logout_ends_the_sessions_access_tokens_and_only_those(
    anon: httpx.AsyncClient, make_user: MakeUser
) -> None:
    _, pair = await _signed_in(anon, make_user, "quentin")
    other = (await login(anon, "quentin")).json()

    response = await anon.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 204

    assert_problem(await anon.get("/auth/me", headers=bearer(pair["access_token"])), 401)
    still = await anon.get("/auth/me", headers=bearer(other["access_token"]))
    assert still.status_code == 200, still.text


async def test_a_reused_refresh_token_ends_the_sessions_access_tokens(
    anon: httpx.AsyncClient, make_user: MakeUser
) -> None:
    _, pair = await _signed_in(anon, make_user, "rita")
    rotated = (
        await anon.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).json()
    assert (await anon.get("/auth/me", headers=bearer(rotated["access_token"]))).status_code == 200

    stolen = await anon.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_problem(stolen, 401, "invalid_refresh_token")

    assert_problem(await anon.get("/auth/me", headers=bearer(rotated["access_token"])), 401)


async def test_a_long_lived_token_stops_when_the_account_changes(
    anon: httpx.AsyncClient,
    make_user: MakeUser,
    client_for: ClientFor,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = await make_user("grafana-bot", role="viewer")
    monkeypatch.setenv("PULSE_DATABASE_URL", settings.resolved_database_url)
    assert settings.jwt_secret is not None
    monkeypatch.setenv("PULSE_JWT_SECRET", settings.jwt_secret.get_secret_value())
    token = await asyncio.to_thread(users_cli.issue_token, settings, "grafana-bot", days=30)
    assert (await anon.get("/auth/me", headers=bearer(token))).status_code == 200

    response = await client_for("admin").patch(f"/auth/users/{user['id']}", json={"active": False})
    assert response.status_code == 200, response.text

    assert_problem(await anon.get("/auth/me", headers=bearer(token)), 401)
    # Enabling the account again does not bring the old token back.
    response = await client_for("admin").patch(f"/auth/users/{user['id']}", json={"active": True})
    assert response.status_code == 200, response.text
    assert_problem(await anon.get("/auth/me", headers=bearer(token)), 401)


async def test_another_process_sees_the_change_within_its_check_interval(
    anon: httpx.AsyncClient, make_user: MakeUser, client_for: ClientFor, settings: Settings
) -> None:
    """The bound for other processes is PULSE_TOKEN_CHECK_SECONDS; at 0 it sees every change."""
    user_id, pair = await _signed_in(anon, make_user, "sven")
    other = build_container(
        settings.model_copy(update={"token_check_seconds": 0}), run_consumers=False
    )
    other_app = create_app(other)
    transport = httpx.ASGITransport(app=other_app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://other.test") as there:
            me = await there.get("/auth/me", headers=bearer(pair["access_token"]))
            assert me.status_code == 200, me.text

            response = await client_for("admin").patch(
                f"/auth/users/{user_id}", json={"role": "viewer"}
            )
            assert response.status_code == 200, response.text

            after = await there.get("/auth/me", headers=bearer(pair["access_token"]))
            assert_problem(after, 401, "token_revoked")
    finally:
        other.hashing.close()
        await other.db.dispose()


async def test_revoke_tokens_command_stops_long_lived_tokens_and_sessions(
    anon: httpx.AsyncClient,
    make_user: MakeUser,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, pair = await _signed_in(anon, make_user, "metrics")
    monkeypatch.setenv("PULSE_DATABASE_URL", settings.resolved_database_url)
    assert settings.jwt_secret is not None
    monkeypatch.setenv("PULSE_JWT_SECRET", settings.jwt_secret.get_secret_value())
    token = await asyncio.to_thread(users_cli.issue_token, settings, "metrics", days=365)
    checking = settings.model_copy(update={"token_check_seconds": 0})
    server = build_container(checking, run_consumers=False)
    transport = httpx.ASGITransport(app=create_app(server))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://srv.test") as api:
            assert (await api.get("/auth/me", headers=bearer(token))).status_code == 200

            result = await asyncio.to_thread(
                CliRunner().invoke, cli_app, ["users", "revoke-tokens", "Metrics"]
            )
            assert result.exit_code == 0, result.output

            assert_problem(await api.get("/auth/me", headers=bearer(token)), 401, "token_revoked")
            assert_problem(await api.get("/auth/me", headers=bearer(pair["access_token"])), 401)
            refreshed = await api.post(
                "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
            )
            assert_problem(refreshed, 401, "invalid_refresh_token")
    finally:
        server.hashing.close()
        await server.db.dispose()
