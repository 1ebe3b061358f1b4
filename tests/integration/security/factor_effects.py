"""Guarded effects of sessions and the second factor, in the shape of effects.py: ending
another user's session (`sessions:manage`), removing a user's second factor and choosing
the roles that require one (`users:admin`)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from pulse.bootstrap import Container
from pulse.platform.auth import totp
from pulse.platform.events import utcnow
from tests.integration.security.effects import Route, Scenario

PASSWORD = "a long password 1"
_names = itertools.count(1)

FACTOR_EFFECTS = {
    "end another's session": "sessions:manage",
    "second factor removed": "users:admin",
    "second factor policy": "users:admin",
}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _signed_in_user(admin: httpx.AsyncClient, container: Container) -> Scenario:
    name = f"sec-session-{next(_names)}"
    made = await admin.post(
        "/auth/users", json={"username": name, "password": PASSWORD, "role": "clerk"}
    )
    assert made.status_code == 201, made.text
    login = await admin.post("/auth/login", json={"username": name, "password": PASSWORD})
    tokens = login.json()
    listed = await admin.get("/auth/sessions/all", params={"user_id": made.json()["id"]})
    return {"user": made.json(), "tokens": tokens, "session": listed.json()["items"][0]["id"]}


async def _user_with_totp(admin: httpx.AsyncClient, container: Container) -> Scenario:
    s = await _signed_in_user(admin, container)
    headers = _bearer(s["tokens"]["access_token"])
    secret = (await admin.post("/auth/second-factor/setup", headers=headers)).json()["secret"]
    code = totp.code_at(secret, totp.step_at(utcnow()))
    confirmed = await admin.post(
        "/auth/second-factor/confirm", json={"code": code}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    return s


async def _no_policy(admin: httpx.AsyncClient, container: Container) -> Scenario:
    response = await admin.patch("/auth/second-factor/policy", json={"required_roles": []})
    assert response.status_code == 200, response.text
    return {}


async def _end_session(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    return [await client.post(f"/auth/sessions/{s['session']}/end")]


async def _reset(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    return [await client.post(f"/auth/users/{s['user']['id']}/second-factor/reset")]


async def _require(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    return [await client.patch("/auth/second-factor/policy", json={"required_roles": ["clerk"]})]


async def _session_ended(admin: httpx.AsyncClient, s: Scenario) -> bool:
    me = await admin.get("/auth/me", headers=_bearer(s["tokens"]["access_token"]))
    return me.status_code == 401


async def _factor_gone(admin: httpx.AsyncClient, s: Scenario) -> bool:
    status = await admin.get("/auth/second-factor", headers=_bearer(s["tokens"]["access_token"]))
    body: dict[str, Any] = status.json()
    return body["enabled"] is False


async def _clerks_need_it(admin: httpx.AsyncClient, s: Scenario) -> bool:
    return "clerk" in (await admin.get("/auth/second-factor/policy")).json()["required_roles"]


FACTOR_ROUTES = (
    Route(
        "end another's session",
        "POST session end",
        frozenset({"sessions:manage"}),
        _signed_in_user,
        _end_session,
        _session_ended,
    ),
    Route(
        "second factor removed",
        "POST user second factor reset",
        frozenset({"users:admin"}),
        _user_with_totp,
        _reset,
        _factor_gone,
    ),
    Route(
        "second factor policy",
        "PATCH second factor policy",
        frozenset({"users:admin"}),
        _no_policy,
        _require,
        _clerks_need_it,
    ),
)
