"""On PostgreSQL a revocation reaches every API process at once, by LISTEN/NOTIFY, not
only when its token cache expires."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from pulse.app import create_app
from pulse.bootstrap import Container, build_container
from pulse.platform.settings import Settings
from tests.conftest import fresh_database
from tests.integration.auth.conftest import PASSWORD
from tests.servers import app_lifespan


@pytest.fixture
def pg_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    for url in fresh_database(request, "postgres", tmp_path):
        yield Settings(
            data_dir=tmp_path / "data",
            database_url=url,
            jwt_secret="test-secret-" + "x" * 40,
            render_processes=0,
            # Far longer than the test: only a notification can make the change seen.
            token_check_seconds=300,
        )


@pytest.fixture
async def two_processes(pg_settings: Settings) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with AsyncExitStack() as stack:
        clients = []
        for name in ("one", "two"):
            container: Container = build_container(pg_settings, run_consumers=False)
            app = create_app(container)
            await stack.enter_async_context(app_lifespan(app))
            transport = httpx.ASGITransport(app=app)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url=f"http://{name}.test")
                )
            )
        yield clients


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _refused(client: httpx.AsyncClient, token: str) -> bool:
    # Bounded wait for the notification to arrive; the cache alone would take 300 s.
    for _ in range(500):
        if (await client.get("/auth/me", headers=bearer(token))).status_code == 401:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_change_in_one_process_stops_the_token_in_another(
    two_processes: list[httpx.AsyncClient], pg_settings: Settings
) -> None:
    one, two = two_processes
    assert pg_settings.jwt_secret is not None
    admin = build_container(pg_settings, run_consumers=False).tokens.issue(
        user_id=uuid.uuid4(), username="test-admin", role="admin"
    )
    created = await one.post(
        "/auth/users",
        json={"username": "uma", "password": PASSWORD, "role": "clerk"},
        headers=bearer(admin),
    )
    assert created.status_code == 201, created.text
    pair = (await one.post("/auth/login", json={"username": "uma", "password": PASSWORD})).json()
    other = (await one.post("/auth/login", json={"username": "uma", "password": PASSWORD})).json()
    # The second process has the token's account and session in its cache.
    assert (await two.get("/auth/me", headers=bearer(pair["access_token"]))).status_code == 200
    assert (await two.get("/auth/me", headers=bearer(other["access_token"]))).status_code == 200

    logout = await one.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert logout.status_code == 204
    assert await _refused(two, pair["access_token"])

    disabled = await one.patch(
        f"/auth/users/{created.json()['id']}", json={"active": False}, headers=bearer(admin)
    )
    assert disabled.status_code == 200, disabled.text
    assert await _refused(two, other["access_token"])
