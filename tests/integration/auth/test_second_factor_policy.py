"""A role that requires a second factor: its users enrol at their next sign-in, cannot skip
it, and cannot turn it off."""

from __future__ import annotations

import httpx

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.auth.conftest import MakeUser, assert_problem, events_of
from tests.integration.auth.factors import bearer, code, second_step, sign_in


async def test_a_role_that_requires_it_cannot_skip_it(
    anon: httpx.AsyncClient, make_user: MakeUser, client_for: ClientFor, container: Container
) -> None:
    await make_user("pia", role="clerk")
    await make_user("val", role="viewer")
    admin = client_for("admin")
    assert (await admin.get("/auth/second-factor/policy")).json() == {"required_roles": []}

    changed = await admin.patch(
        "/auth/second-factor/policy", json={"required_roles": ["clerk", "clerk"]}
    )

    assert changed.status_code == 200, changed.text
    assert changed.json() == {"required_roles": ["clerk"]}
    [event] = await events_of(container, "hub.second_factor_policy_changed")
    assert event.payload["required_roles"] == ["clerk"]
    # Another role is not concerned.
    assert "access_token" in await sign_in(anon, "val")

    first = await sign_in(anon, "pia")
    assert first["second_factor"] == "enrol" and "access_token" not in first
    challenge = first["challenge"]
    # No way around the enrolment: not the code step, not the challenge as a token.
    assert_problem(await second_step(anon, challenge, "123456"), 401, "invalid_challenge")
    assert_problem(await anon.get("/auth/me", headers=bearer(challenge)), 401)

    setup = await anon.post("/auth/login/enrol", json={"challenge": challenge})
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    assert setup.json()["qr_svg"].startswith("data:image/svg+xml")
    wrong = await anon.post(
        "/auth/login/enrol/confirm", json={"challenge": challenge, "code": code(secret, 5)}
    )
    assert_problem(wrong, 422, "invalid_code")
    done = await anon.post(
        "/auth/login/enrol/confirm", json={"challenge": challenge, "code": code(secret)}
    )

    assert done.status_code == 200, done.text
    body = done.json()
    assert len(body["recovery_codes"]) == 10
    token = body["tokens"]["access_token"]
    status = (await anon.get("/auth/second-factor", headers=bearer(token))).json()
    assert (status["enabled"], status["required"]) == (True, True)
    # The next sign-in asks for a code; turning it off is refused while the role requires it.
    assert (await sign_in(anon, "pia"))["second_factor"] == "totp"
    refused = await anon.post(
        "/auth/second-factor/disable",
        json={"code": body["recovery_codes"][0]},
        headers=bearer(token),
    )
    assert_problem(refused, 409, "second_factor_required")
    # A spent enrolment challenge cannot enrol again.
    assert_problem(await anon.post("/auth/login/enrol", json={"challenge": challenge}), 401)


async def test_only_admins_set_the_policy(client_for: ClientFor) -> None:
    for role in ("accountant", "clerk", "viewer"):
        response = await client_for(role).patch(
            "/auth/second-factor/policy", json={"required_roles": []}
        )
        assert_problem(response, 403)
    bad = await client_for("admin").patch(
        "/auth/second-factor/policy", json={"required_roles": ["root"]}
    )
    assert_problem(bad, 422)
