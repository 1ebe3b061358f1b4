"""TOTP: enrolment, signing in with a code, codes that are reused or stale, recovery codes,
turning it off, an admin's reset."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from pulse.bootstrap import Container
from pulse.platform.auth import totp
from pulse.platform.auth.factor_models import LoginChallenge, RecoveryCode
from pulse.platform.events import utcnow
from tests.conftest import ClientFor
from tests.integration.auth.conftest import MakeUser, assert_problem, events_of, rows
from tests.integration.auth.factors import bearer, code, enrol, second_step, sign_in


async def test_enrolment_needs_a_code_before_it_counts(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    await make_user("tia")
    token = (await sign_in(anon, "tia"))["access_token"]
    setup = await anon.post("/auth/second-factor/setup", headers=bearer(token))
    assert setup.status_code == 200, setup.text
    body = setup.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Pulse%20ERP:tia?secret=")
    assert body["secret"] in body["otpauth_uri"]
    assert body["qr_svg"].startswith("data:image/svg+xml")
    status = (await anon.get("/auth/second-factor", headers=bearer(token))).json()
    assert (status["enabled"], status["pending"]) == (False, True)
    # Pending is not on: the password alone still signs in.
    assert "access_token" in await sign_in(anon, "tia")

    wrong = await anon.post(
        "/auth/second-factor/confirm", json={"code": code(body["secret"], 3)}, headers=bearer(token)
    )
    assert_problem(wrong, 422, "invalid_code")
    right = await anon.post(
        "/auth/second-factor/confirm", json={"code": code(body["secret"])}, headers=bearer(token)
    )

    assert right.status_code == 200, right.text
    codes = right.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    stored = await rows(container, select(RecoveryCode.code_hash))
    assert len(stored) == 10 and not set(codes) & set(stored)
    status = (await anon.get("/auth/second-factor", headers=bearer(token))).json()
    assert status["enabled"] is True and status["recovery_codes_left"] == 10
    assert len(await events_of(container, "user.second_factor_enabled")) == 1
    again = await anon.post("/auth/second-factor/setup", headers=bearer(token))
    assert_problem(again, 409, "second_factor_enabled")


async def test_sign_in_with_a_code_and_never_with_the_same_or_a_stale_one(
    anon: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("tom")
    secret, _ = await enrol(anon, (await sign_in(anon, "tom"))["access_token"])

    first = await sign_in(anon, "tom")
    assert first["second_factor"] == "totp" and "access_token" not in first
    # The challenge is no access token.
    assert_problem(await anon.get("/auth/me", headers=bearer(first["challenge"])), 401)
    # Enrolment set the current step as used: the next code is the next step's. Steps are
    # fixed here, so a step that turns meanwhile changes nothing below.
    step = totp.step_at(utcnow())
    used = totp.code_at(secret, step + 1)
    signed = await second_step(anon, first["challenge"], used)
    assert signed.status_code == 200, signed.text
    token = signed.json()["access_token"]
    assert (await anon.get("/auth/me", headers=bearer(token))).json()["username"] == "tom"
    # The challenge is spent.
    assert_problem(await second_step(anon, first["challenge"], used), 401)

    # The same code again, an earlier one still inside the drift, one outside it.
    for stale in (used, totp.code_at(secret, step), totp.code_at(secret, step - 2)):
        attempt = await sign_in(anon, "tom")
        assert_problem(await second_step(anon, attempt["challenge"], stale), 401, "invalid_code")


async def test_recovery_codes_work_once_each(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    await make_user("rex")
    _, codes = await enrol(anon, (await sign_in(anon, "rex"))["access_token"])

    first = await sign_in(anon, "rex")
    used = await second_step(anon, first["challenge"], codes[0].upper().replace("-", " "))
    assert used.status_code == 200, used.text
    again = await sign_in(anon, "rex")
    assert_problem(await second_step(anon, again["challenge"], codes[0]), 401, "invalid_code")
    assert (await second_step(anon, again["challenge"], codes[1])).status_code == 200

    [event, _] = await events_of(container, "user.recovery_code_used")
    assert event.payload["codes_left"] == 9
    token = used.json()["access_token"]
    status = (await anon.get("/auth/second-factor", headers=bearer(token))).json()
    assert status["recovery_codes_left"] == 8


async def test_guessing_codes_meets_the_login_lockout(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    await make_user("gus")
    secret, _ = await enrol(anon, (await sign_in(anon, "gus"))["access_token"])
    max_failures = container.settings.login_max_failures
    challenge = (await sign_in(anon, "gus"))["challenge"]
    answers = []
    # Guesses across fresh challenges: giving the password again does not reset the count.
    for i in range(max_failures):
        if i % 2:
            challenge = (await sign_in(anon, "gus"))["challenge"]
        answers.append((await second_step(anon, challenge, "000000")).status_code)
    assert answers == [401] * max_failures

    locked = await second_step(anon, challenge, code(secret, 1))
    assert_problem(locked, 429, "login_locked")
    assert int(locked.headers["Retry-After"]) >= 1
    assert_problem(
        await anon.post("/auth/login", json={"username": "gus", "password": "x" * 12}), 429
    )


async def test_a_challenge_allows_a_few_codes_and_expires(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    container.settings.login_max_failures = 100
    await make_user("cid")
    secret, _ = await enrol(anon, (await sign_in(anon, "cid"))["access_token"])
    challenge = (await sign_in(anon, "cid"))["challenge"]
    for _ in range(5):
        assert_problem(await second_step(anon, challenge, "000000"), 401, "invalid_code")
    assert_problem(await second_step(anon, challenge, code(secret, 1)), 401, "invalid_challenge")

    late = (await sign_in(anon, "cid"))["challenge"]
    async with container.uow() as uow:
        await uow.session.execute(
            update(LoginChallenge).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await uow.commit()
    assert_problem(await second_step(anon, late, code(secret, 1)), 401, "invalid_challenge")


async def test_turning_it_off_needs_a_code_and_an_admin_can_reset_it(
    anon: httpx.AsyncClient, make_user: MakeUser, client_for: ClientFor, container: Container
) -> None:
    user = await make_user("dot")
    token = (await sign_in(anon, "dot"))["access_token"]
    secret, codes = await enrol(anon, token)

    wrong = await anon.post(
        "/auth/second-factor/disable", json={"code": "123456"}, headers=bearer(token)
    )
    assert_problem(wrong, 422, "invalid_code")
    off = await anon.post(
        "/auth/second-factor/disable", json={"code": codes[3]}, headers=bearer(token)
    )
    assert off.status_code == 204, off.text
    assert "access_token" in await sign_in(anon, "dot")
    [event] = await events_of(container, "user.second_factor_disabled")
    assert event.payload["by"] == "dot"

    await enrol(anon, token)
    admin = client_for("admin")
    assert (await admin.post(f"/auth/users/{user['id']}/second-factor/reset")).status_code == 204
    assert "access_token" in await sign_in(anon, "dot")
    gone = await admin.post(f"/auth/users/{user['id']}/second-factor/reset")
    assert_problem(gone, 404, "no_second_factor")
    unknown = await admin.post(f"/auth/users/{uuid.uuid4()}/second-factor/reset")
    assert_problem(unknown, 404, "user_not_found")


async def test_new_recovery_codes_replace_the_old_ones(
    anon: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("ned")
    token = (await sign_in(anon, "ned"))["access_token"]
    secret, old = await enrol(anon, token)

    renewed = await anon.post(
        "/auth/second-factor/recovery-codes", json={"code": code(secret, 1)}, headers=bearer(token)
    )

    assert renewed.status_code == 200, renewed.text
    new = renewed.json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    challenge = (await sign_in(anon, "ned"))["challenge"]
    assert_problem(await second_step(anon, challenge, old[0]), 401, "invalid_code")
    assert (await second_step(anon, challenge, new[0])).status_code == 200
