"""No password, token or Authorization value ever reaches the logs: a realistic session
(logins right and wrong, tokens used, refreshed and revoked, a user created with a password,
orders through the bus) at the most verbose level, and every byte logged or written to the
process's output searched for each secret used."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import structlog

from pulse.bootstrap import Container
from pulse.platform.auth.bootstrap import ensure_admin
from pulse.platform.observability import configure_logging
from tests.conftest import ClientFor
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order

ADMIN_PASSWORD = "admin-password-1"  # the settings fixture's PULSE_ADMIN_PASSWORD
NEW_PASSWORD = "a-new-users-passphrase-7Q"
CHANGED_PASSWORD = "changed-passphrase-9Z"
WRONG_PASSWORD = "wrong-guess-passphrase-3K"
FORGED = "forged.token-value.not-signed"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", json=True, stream=stream)
    yield stream
    configure_logging("INFO", json=True)
    structlog.contextvars.clear_contextvars()


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"username": username, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_secret_is_ever_logged(
    output: io.StringIO,
    container: Container,
    client_for: ClientFor,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The first start makes 'admin' with PULSE_ADMIN_PASSWORD, as `pulse up` does.
    assert await ensure_admin(container.settings) is None
    anon = client_for(None)
    secrets: list[str] = [ADMIN_PASSWORD, NEW_PASSWORD, CHANGED_PASSWORD, WRONG_PASSWORD, FORGED]

    assert (await _login(anon, "admin", WRONG_PASSWORD)).status_code == 401
    assert (await _login(anon, "nobody", WRONG_PASSWORD)).status_code == 401
    signed_in = await _login(anon, "admin", ADMIN_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    admin: dict[str, Any] = signed_in.json()
    secrets += [admin["access_token"], admin["refresh_token"]]
    headers = _bearer(admin["access_token"])

    assert (await anon.get("/auth/me", headers=headers)).status_code == 200
    assert (await anon.get("/auth/me", headers=_bearer(FORGED))).status_code == 401
    created = await anon.post(
        "/auth/users",
        json={"username": "logged-clerk", "password": NEW_PASSWORD, "role": "clerk"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    too_short = await anon.post(
        "/auth/users",
        json={"username": "short-one", "password": "tiny", "role": "clerk"},
        headers=headers,
    )
    assert too_short.status_code == 422
    secrets.append("tiny")
    changed = await anon.patch(
        f"/auth/users/{created.json()['id']}", json={"password": CHANGED_PASSWORD}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    clerk = await _login(anon, "logged-clerk", CHANGED_PASSWORD)
    assert clerk.status_code == 200, clerk.text
    refreshed = await anon.post(
        "/auth/refresh", json={"refresh_token": clerk.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    secrets += [clerk.json()["access_token"], clerk.json()["refresh_token"]]
    secrets += [refreshed.json()["access_token"], refreshed.json()["refresh_token"]]
    # The old refresh token again: a replay, which ends the session.
    replay = await anon.post("/auth/refresh", json={"refresh_token": clerk.json()["refresh_token"]})
    assert replay.status_code == 401
    assert (
        await anon.post("/auth/logout", json={"refresh_token": refreshed.json()["refresh_token"]})
    ).status_code == 204

    # Orders through the whole flow, as the signed-in admin.
    client = client_for(None)
    client.headers.update(headers)
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    for qty in (1, 2):
        await make_order(client, customer["id"], [{"sku": product["sku"], "qty": qty}])
    assert await container.bus.drain(timeout=20)

    captured = capfd.readouterr()
    logged = output.getvalue()
    everything = logged + captured.out + captured.err
    for secret in secrets:
        assert secret not in everything, f"a secret was logged: {secret[:12]}…"
    assert "Bearer " not in everything and "bearer " not in everything

    # The session did log, and each line says whose request it was.
    lines = [orjson.loads(line) for line in logged.splitlines()]
    by_event = {line["event"]: line for line in lines}
    assert {"login_failed", "login_succeeded", "user_created"} <= set(by_event), sorted(by_event)
    assert by_event["user_created"]["user"] == "admin"
    assert by_event["user_created"]["request_id"]
    assert by_event["login_failed"]["module"] == "pulse.platform.auth.api"
    for line in lines:
        assert {"module", "request_id", "trace_id", "user", "level", "timestamp"} <= set(line)
