"""On PostgreSQL, a session ended through one API process stops its tokens in another at
once (LISTEN/NOTIFY), though that process has the session in its caches for minutes."""

from __future__ import annotations

import uuid

import httpx

from pulse.bootstrap import build_container
from pulse.platform.settings import Settings
from tests.integration.auth.conftest import PASSWORD
from tests.integration.auth.test_revocation_notify import (  # noqa: F401 - fixtures
    _refused,
    bearer,
    pg_settings,
    two_processes,
)


async def test_a_session_ended_in_one_process_stops_in_another(
    two_processes: list[httpx.AsyncClient],  # noqa: F811
    pg_settings: Settings,  # noqa: F811
) -> None:
    one, two = two_processes
    admin = build_container(pg_settings, run_consumers=False).tokens.issue(
        user_id=uuid.uuid4(), username="test-admin", role="admin"
    )
    made = await one.post(
        "/auth/users",
        json={"username": "ida", "password": PASSWORD, "role": "clerk"},
        headers=bearer(admin),
    )
    assert made.status_code == 201, made.text
    login = {"username": "ida", "password": PASSWORD}
    ended = (await one.post("/auth/login", json=login)).json()
    kept = (await one.post("/auth/login", json=login)).json()
    for pair in (ended, kept):
        assert (await two.get("/auth/me", headers=bearer(pair["access_token"]))).status_code == 200
    mine = (await two.get("/auth/sessions", headers=bearer(ended["access_token"]))).json()
    [target] = [s["id"] for s in mine["items"] if s["current"]]

    response = await one.post(f"/auth/sessions/{target}/end", headers=bearer(admin))

    assert response.status_code == 204, response.text
    assert await _refused(two, ended["access_token"])
    assert (await two.get("/auth/me", headers=bearer(kept["access_token"]))).status_code == 200
