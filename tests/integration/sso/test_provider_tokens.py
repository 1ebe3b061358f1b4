"""Access tokens of a real OpenID provider (oidc-provider on loopback) at Pulse's API: first
sight provisions the user, roles map through the configured map, and tokens from another
issuer, for another audience, or expired are refused without writing anything."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
from jwt.utils import base64url_encode
from sqlalchemy import func, select

from pulse.bootstrap import Container
from pulse.platform.auth.models import User
from pulse.platform.auth.sso_models import SsoIdentity
from pulse.platform.outbox import OutboxRecord
from tests.conftest import ClientFor
from tests.integration.orders.factories import assert_problem
from tests.integration.sso.provider import TEST_REDIRECT, LoopbackProvider


async def _count(container: Container, model: Any) -> int:
    async with container.uow(readonly=True) as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model))).scalar())


async def _events(container: Container, event_type: str) -> list[dict[str, Any]]:
    async with container.uow(readonly=True) as uow:
        found = await uow.session.execute(
            select(OutboxRecord.payload).where(OutboxRecord.type == event_type)
        )
        return [dict(p) for p in found.scalars()]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_first_sight_provisions_the_user_once(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    anon = client_for(None)
    users_before = await _count(container, User)

    me = await anon.get("/auth/me", headers=_bearer(provider.access_token("alice")))

    assert me.status_code == 200, me.text
    body = me.json()
    assert body["username"] == "alice" and body["role"] == "admin"
    assert body["email"] == "alice@example.com"
    assert await _count(container, User) == users_before + 1
    provisioned = await _events(container, "user.provisioned")
    assert len(provisioned) == 1
    assert provisioned[0]["issuer"] == provider.issuer and provisioned[0]["subject"] == "alice"
    assert provisioned[0]["role"] == "admin"
    assert "erp-admins" in provisioned[0]["provider_roles"]
    # A second token of the same person is the same user: nothing new is made.
    again = await anon.get("/auth/me", headers=_bearer(provider.access_token("alice")))
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert await _count(container, User) == users_before + 1
    assert len(await _events(container, "user.provisioned")) == 1
    # The provider's token carries the mapped role's permissions at the API.
    users = await anon.get("/auth/users", headers=_bearer(provider.access_token("alice")))
    assert users.status_code == 200


async def test_roles_map_through_the_configured_map(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    anon = client_for(None)
    # bob: `accounting` is a role of this client (resource_access.pulse-web); the admin role
    # he has for another client is not Pulse's to read.
    bob = await anon.get("/auth/me", headers=_bearer(provider.access_token("bob")))
    assert bob.status_code == 200 and bob.json()["role"] == "accountant"
    # dave: two mapped realm roles (viewer, clerk); the one first in Pulse's order wins.
    dave = await anon.get("/auth/me", headers=_bearer(provider.access_token("dave")))
    assert dave.status_code == 200 and dave.json()["role"] == "clerk"
    refused = await anon.get("/auth/users", headers=_bearer(provider.access_token("dave")))
    assert_problem(refused, 403)
    # carol has no mapped role: refused, and no account is made for her.
    before = await _count(container, User)
    carol = await anon.get("/auth/me", headers=_bearer(provider.access_token("carol")))
    assert_problem(carol, 403, "sso_no_role")
    assert await _count(container, User) == before


async def test_a_role_change_at_the_provider_follows_and_a_local_disable_holds(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    anon = client_for(None)
    first = provider.access_token("bob")
    assert (await anon.get("/auth/me", headers=_bearer(first))).json()["role"] == "accountant"

    provider.accounts["bob"] = {**provider.accounts["bob"], "realm_roles": ["erp-viewers"]}
    provider.accounts["bob"]["client_roles"] = {}
    provider.restart()
    second = provider.access_token("bob")
    me = await anon.get("/auth/me", headers=_bearer(second))
    assert me.status_code == 200 and me.json()["role"] == "viewer"
    updates = await _events(container, "user.updated")
    assert {"role": "viewer"} in [u["changes"] for u in updates]
    # The older token spoke for the older role: it stops with the change.
    assert_problem(await anon.get("/auth/me", headers=_bearer(first)), 401, "token_revoked")

    admin = client_for("admin")
    disabled = await admin.patch(f"/auth/users/{me.json()['id']}", json={"active": False})
    assert disabled.status_code == 200, disabled.text
    assert_problem(await anon.get("/auth/me", headers=_bearer(second)), 401)
    fresh = provider.access_token("bob")
    assert_problem(await anon.get("/auth/me", headers=_bearer(fresh)), 401, "account_disabled")
    refused = await anon.post("/auth/sso/session", json={"access_token": fresh})
    assert_problem(refused, 401, "account_disabled")


async def test_a_token_for_another_audience_is_refused(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    token = provider.access_token("alice", resource="urn:other:api")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "other-api"
    before = await _count(container, User)

    for answer in (
        await client_for(None).get("/auth/me", headers=_bearer(token)),
        await client_for(None).post("/auth/sso/session", json={"access_token": token}),
    ):
        assert_problem(answer, 401, "invalid_token")
    assert await _count(container, User) == before


async def test_a_token_from_another_issuer_with_the_same_keys_is_refused(
    provider: LoopbackProvider, container: Container, client_for: ClientFor, tmp_path: Path
) -> None:
    # Another provider signing with the very keys the trusted one publishes: only the
    # issuer tells its tokens apart.
    impostor = LoopbackProvider(tmp_path, provider.keys)
    impostor.start()
    try:
        token = impostor.access_token("alice")
    finally:
        impostor.stop()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == impostor.issuer != provider.issuer and claims["aud"] == "pulse-api"
    before = await _count(container, User)

    me = await client_for(None).get("/auth/me", headers=_bearer(token))
    assert_problem(me, 401, "invalid_token")
    exchanged = await client_for(None).post("/auth/sso/session", json={"access_token": token})
    assert_problem(exchanged, 401, "invalid_token")
    assert container.sso is not None
    # Even handed to the provider's verifier directly, the issuer is checked.
    try:
        await container.sso.verifier.verify(token)
    except Exception as refused:  # noqa: BLE001 - the type is asserted below
        assert getattr(refused, "code", None) == "invalid_token"
    else:
        raise AssertionError("a token of another issuer was accepted")
    assert await _count(container, User) == before


async def test_an_expired_token_is_refused(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    token = provider.access_token("alice", resource="urn:pulse:api:short-lived")
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(0.0, expires + 1 - time.time()))

    answer = await client_for(None).get("/auth/me", headers=_bearer(token))
    assert_problem(answer, 401, "token_expired")
    exchanged = await client_for(None).post("/auth/sso/session", json={"access_token": token})
    assert_problem(exchanged, 401, "token_expired")


async def test_a_forged_or_tampered_token_is_refused(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    token = provider.access_token("dave")
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["realm_access"] = {"roles": ["erp-admins"]}
    raised = base64url_encode(json.dumps(claims, separators=(",", ":")).encode()).decode()
    tampered = f"{header}.{raised}.{signature}"
    # Signed with the provider's own algorithm name but a shared secret (HS256 "confusion").
    confused = jwt.encode(
        claims,
        "the provider's public key is no secret",
        algorithm="HS256",
        headers={"kid": jwt.get_unverified_header(token)["kid"]},
    )
    for bad in (tampered, confused):
        assert_problem(
            await client_for(None).get("/auth/me", headers=_bearer(bad)), 401, "invalid_token"
        )


async def test_the_config_endpoint_tells_the_web_app_where_to_sign_in(
    provider: LoopbackProvider, client_for: ClientFor
) -> None:
    answer = await client_for(None).get("/auth/sso/config")
    assert answer.status_code == 200
    config = answer.json()
    assert config["enabled"] is True
    assert config["client_id"] == "pulse-web" and config["issuer"] == provider.issuer
    async with httpx.AsyncClient() as http:
        found = await http.get(provider.issuer + "/.well-known/openid-configuration")
    discovery = found.json()
    assert config["authorization_endpoint"] == discovery["authorization_endpoint"]
    assert config["token_endpoint"] == discovery["token_endpoint"]
    assert "openid" in config["scopes"].split()


async def test_a_provider_token_trades_for_a_pulse_session(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    anon = client_for(None)
    answer = await anon.post(
        "/auth/sso/session", json={"access_token": provider.access_token("bob")}
    )
    assert answer.status_code == 200, answer.text
    session = answer.json()
    assert session["username"] == "bob" and session["role"] == "accountant"
    assert jwt.decode(session["access_token"], options={"verify_signature": False})["iss"] == (
        container.settings.jwt_issuer
    )
    me = await anon.get("/auth/me", headers=_bearer(session["access_token"]))
    assert me.status_code == 200 and me.json()["last_login_at"] is not None
    renewed = await anon.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert renewed.status_code == 200
    assert len(await _events(container, "user.logged_in")) == 1
    assert await _count(container, SsoIdentity) == 1
    # A provisioned user has no password: no local sign-in under the name.
    for password in ("", "!sso", "bob-pass"):
        local = await anon.post("/auth/login", json={"username": "bob", "password": password})
        assert local.status_code in (401, 422)


async def test_an_authorization_code_trades_for_a_session_once(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    anon = client_for(None)
    code, verifier = provider.authorization_code("alice")
    body = {"code": code, "code_verifier": verifier, "redirect_uri": TEST_REDIRECT}

    answer = await anon.post("/auth/sso/session", json=body)

    assert answer.status_code == 200, answer.text
    assert answer.json()["username"] == "alice" and answer.json()["role"] == "admin"
    # A code is good once, and only with the verifier it was asked for with.
    again = await anon.post("/auth/sso/session", json=body)
    assert_problem(again, 401, "sso_code_refused")
    other_code, _ = provider.authorization_code("alice")
    wrong = {**body, "code": other_code, "code_verifier": "x" * 43}
    assert_problem(await anon.post("/auth/sso/session", json=wrong), 401, "sso_code_refused")
    assert len(await _events(container, "user.logged_in")) == 1


async def test_a_session_request_must_be_one_or_the_other(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    anon = client_for(None)
    before = await _count(container, User)
    for body in (
        {},
        {
            "access_token": "a.b.c",
            "code": "c",
            "code_verifier": "v" * 43,
            "redirect_uri": "http://x",
        },
        {"code": "c", "code_verifier": "v" * 43},
        {"code": "c", "code_verifier": "short", "redirect_uri": "http://127.0.0.1/cb"},
        {"code": "c", "code_verifier": "v" * 43, "redirect_uri": "javascript:alert(1)"},
    ):
        assert_problem(await anon.post("/auth/sso/session", json=body), 422)
    assert await _count(container, User) == before
