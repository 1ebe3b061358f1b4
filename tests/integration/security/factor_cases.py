"""Records the session and second-factor rows of the permission matrix need: a live session
of another user, and the second sign-in step's real challenges, each answered right (a
recovery code, or a code of a secret just enrolled) so that an allowed caller is never
refused for a wrong code."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from pulse.platform.auth import totp
from pulse.platform.events import utcnow

if TYPE_CHECKING:
    from tests.integration.security.matrix import Scenario

PASSWORD = "a long password 1"
_names = itertools.count(1)


async def _new_user(s: Scenario, role: str) -> str:
    name = f"factor-{next(_names)}"
    made = await s.admin.post(
        "/auth/users", json={"username": name, "password": PASSWORD, "role": role}
    )
    assert made.status_code == 201, made.text
    return name


async def _login(s: Scenario, name: str) -> dict[str, Any]:
    response = await s.anonymous.post("/auth/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def session_id(s: Scenario) -> str:
    """A live session of the scenario's user (never the caller's own)."""
    user = await s.user()
    await s.refresh_token()
    listed = await s.admin.get("/auth/sessions/all", params={"user_id": user["id"]})
    assert listed.status_code == 200, listed.text
    return str(listed.json()["items"][0]["id"])


async def code_body(s: Scenario) -> dict[str, Any]:
    """A fresh challenge of a user with TOTP, and one of their unused recovery codes."""

    async def enrolled() -> tuple[str, list[str]]:
        name = await _new_user(s, "clerk")
        token = (await _login(s, name))["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        setup = await s.anonymous.post("/auth/second-factor/setup", headers=headers)
        secret = setup.json()["secret"]
        now = totp.code_at(secret, totp.step_at(utcnow()))
        confirmed = await s.anonymous.post(
            "/auth/second-factor/confirm", json={"code": now}, headers=headers
        )
        assert confirmed.status_code == 200, confirmed.text
        return name, list(confirmed.json()["recovery_codes"])

    name, codes = await s._once("totp_user", enrolled)
    return {"challenge": (await _login(s, name))["challenge"], "code": codes.pop()}


async def _enrol_challenge(s: Scenario) -> str:
    async def require() -> None:
        response = await s.admin.patch(
            "/auth/second-factor/policy", json={"required_roles": ["viewer"]}
        )
        assert response.status_code == 200, response.text

    await s._once("viewer_policy", require)
    return str((await _login(s, await _new_user(s, "viewer")))["challenge"])


async def enrol_body(s: Scenario) -> dict[str, Any]:
    return {"challenge": await _enrol_challenge(s)}


async def enrol_confirm_body(s: Scenario) -> dict[str, Any]:
    challenge = await _enrol_challenge(s)
    setup = await s.anonymous.post("/auth/login/enrol", json={"challenge": challenge})
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    return {"challenge": challenge, "code": totp.code_at(secret, totp.step_at(utcnow()))}
