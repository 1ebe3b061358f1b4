"""Helpers for the session and second-factor tests: sign-ins with a User-Agent, TOTP codes
of a given time step, and enrolment through the API."""

from __future__ import annotations

from typing import Any

import httpx

from pulse.platform.auth import totp
from pulse.platform.events import utcnow
from tests.integration.auth.conftest import PASSWORD

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def code(secret: str, steps_from_now: int = 0) -> str:
    return totp.code_at(secret, totp.step_at(utcnow()) + steps_from_now)


async def sign_in(
    anon: httpx.AsyncClient, username: str, *, agent: str = FIREFOX, password: str = PASSWORD
) -> dict[str, Any]:
    response = await anon.post(
        "/auth/login",
        json={"username": username, "password": password},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def enrol(anon: httpx.AsyncClient, access_token: str) -> tuple[str, list[str]]:
    """Set up and confirm TOTP for the token's user: the secret and the recovery codes."""
    setup = await anon.post("/auth/second-factor/setup", headers=bearer(access_token))
    assert setup.status_code == 200, setup.text
    secret = str(setup.json()["secret"])
    confirmed = await anon.post(
        "/auth/second-factor/confirm", json={"code": code(secret)}, headers=bearer(access_token)
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, list(confirmed.json()["recovery_codes"])


async def second_step(anon: httpx.AsyncClient, challenge: str, given: str) -> httpx.Response:
    return await anon.post(
        "/auth/login/second-factor", json={"challenge": challenge, "code": given}
    )
