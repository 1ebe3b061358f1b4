"""Sessions: each sign-in is one; users list and end theirs, `sessions:manage` anyone's, and
an ended session's tokens stop at their next request."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from pulse.bootstrap import Container
from pulse.platform.auth.factor_models import AuthSession
from pulse.platform.events import utcnow
from tests.conftest import ClientFor
from tests.integration.auth.conftest import MakeUser, assert_problem, events_of, rows
from tests.integration.auth.factors import FIREFOX, IPHONE, bearer, sign_in


async def session_row(container: Container, session_id: str) -> AuthSession:
    found = await rows(
        container, select(AuthSession).where(AuthSession.id == uuid.UUID(session_id))
    )
    assert len(found) == 1
    return found[0]


async def test_each_sign_in_is_a_session_with_its_device(
    anon: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("sia")
    laptop = await sign_in(anon, "sia", agent=FIREFOX)
    phone = await sign_in(anon, "sia", agent=IPHONE)

    listed = await anon.get("/auth/sessions", headers=bearer(phone["access_token"]))

    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 2
    devices = {s["device"]: s for s in page["items"]}
    assert set(devices) == {"Firefox on Linux", "Mobile Safari on iOS"}
    assert devices["Mobile Safari on iOS"]["current"] is True
    assert devices["Firefox on Linux"]["current"] is False
    assert {s["username"] for s in page["items"]} == {"sia"}
    assert all(s["address"] == "127.0.0.1" for s in page["items"])
    assert all(s["last_seen_at"] >= s["started_at"] for s in page["items"])
    # The laptop's own list names itself as current.
    own = (await anon.get("/auth/sessions", headers=bearer(laptop["access_token"]))).json()
    assert [s["device"] for s in own["items"] if s["current"]] == ["Firefox on Linux"]


async def test_ending_your_other_session_stops_its_tokens_at_once(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    await make_user("sol")
    kept = await sign_in(anon, "sol", agent=FIREFOX)
    lost = await sign_in(anon, "sol", agent=IPHONE)
    # Both caches (the verified token, the session's state) now hold the lost one.
    assert (await anon.get("/auth/me", headers=bearer(lost["access_token"]))).status_code == 200
    mine = (await anon.get("/auth/sessions", headers=bearer(kept["access_token"]))).json()
    target = next(s["id"] for s in mine["items"] if not s["current"])

    ended = await anon.post(f"/auth/sessions/{target}/end", headers=bearer(kept["access_token"]))

    assert ended.status_code == 204, ended.text
    refused = await anon.get("/auth/me", headers=bearer(lost["access_token"]))
    assert_problem(refused, 401, "session_ended")
    again = await anon.post("/auth/refresh", json={"refresh_token": lost["refresh_token"]})
    assert_problem(again, 401, "invalid_refresh_token")
    assert (await anon.get("/auth/me", headers=bearer(kept["access_token"]))).status_code == 200
    row = await session_row(container, target)
    assert row.ended_at is not None and row.end_reason == "ended_by_user"
    assert row.ended_by == "sol"
    [event] = await events_of(container, "session.ended")
    assert event.payload["session_id"] == target
    assert event.payload["reason"] == "ended_by_user"
    left = (await anon.get("/auth/sessions", headers=bearer(kept["access_token"]))).json()
    assert [s["current"] for s in left["items"]] == [True]
    # Ended is ended: a second time there is no such live session.
    twice = await anon.post(f"/auth/sessions/{target}/end", headers=bearer(kept["access_token"]))
    assert_problem(twice, 404, "session_not_found")


async def test_an_admin_ends_anyones_session_and_others_may_not(
    anon: httpx.AsyncClient, make_user: MakeUser, client_for: ClientFor, container: Container
) -> None:
    await make_user("cleo", role="clerk")
    await make_user("cato", role="clerk")
    victim = await sign_in(anon, "cleo")
    other = await sign_in(anon, "cato")
    assert (await anon.get("/auth/me", headers=bearer(victim["access_token"]))).status_code == 200
    admin = client_for("admin")
    everyone = await admin.get("/auth/sessions/all")
    assert everyone.status_code == 200, everyone.text
    by_name = {s["username"]: s for s in everyone.json()["items"]}
    assert {"cleo", "cato"} <= set(by_name)
    target = by_name["cleo"]["id"]

    # Another clerk can neither see everyone's sessions nor end one of them.
    assert_problem(await anon.get("/auth/sessions/all", headers=bearer(other["access_token"])), 403)
    refused = await anon.post(f"/auth/sessions/{target}/end", headers=bearer(other["access_token"]))
    assert_problem(refused, 403)
    assert (await anon.get("/auth/me", headers=bearer(victim["access_token"]))).status_code == 200

    ended = await admin.post(f"/auth/sessions/{target}/end")

    assert ended.status_code == 204, ended.text
    assert_problem(await anon.get("/auth/me", headers=bearer(victim["access_token"])), 401)
    assert (await anon.get("/auth/me", headers=bearer(other["access_token"]))).status_code == 200
    row = await session_row(container, target)
    assert (row.end_reason, row.ended_by) == ("ended_by_admin", "test-admin")
    one = await admin.get("/auth/sessions/all", params={"user_id": by_name["cato"]["user_id"]})
    assert [s["username"] for s in one.json()["items"]] == ["cato"]
    missing = await admin.post(f"/auth/sessions/{uuid.uuid4()}/end")
    assert_problem(missing, 404, "session_not_found")


async def test_signing_out_ends_the_session(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    await make_user("sue")
    pair = await sign_in(anon, "sue")
    mine = (await anon.get("/auth/sessions", headers=bearer(pair["access_token"]))).json()

    out = await anon.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})

    assert out.status_code == 204
    row = await session_row(container, mine["items"][0]["id"])
    assert row.end_reason == "signed_out" and row.ended_by is None
    [event] = await events_of(container, "session.ended")
    assert event.payload["reason"] == "signed_out"


async def test_last_seen_is_written_at_most_once_a_minute(
    anon: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    await make_user("sam")
    pair = await sign_in(anon, "sam")
    session_id = (await anon.get("/auth/sessions", headers=bearer(pair["access_token"]))).json()[
        "items"
    ][0]["id"]
    await container.session_activity.idle()
    long_ago = utcnow() - timedelta(minutes=10)

    async def set_back() -> None:
        async with container.uow() as uow:
            await uow.session.execute(
                update(AuthSession)
                .where(AuthSession.id == uuid.UUID(session_id))
                .values(last_seen_at=long_ago)
            )
            await uow.commit()

    # This process wrote it a moment ago: the next requests within the minute write nothing.
    await set_back()
    for _ in range(3):
        assert (await anon.get("/auth/me", headers=bearer(pair["access_token"]))).status_code == 200
    await container.session_activity.idle()
    assert (await session_row(container, session_id)).last_seen_at == long_ago

    # A process that has not written it for a minute (here: a fresh one) writes it once.
    container.session_activity._written.clear()
    assert (await anon.get("/auth/me", headers=bearer(pair["access_token"]))).status_code == 200
    await container.session_activity.idle()
    assert (await session_row(container, session_id)).last_seen_at > long_ago + timedelta(minutes=9)
