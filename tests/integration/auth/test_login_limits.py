"""Finding 4: password hashing is bounded (a full pool answers 429 with Retry-After at once),
shared fairly between client addresses, and failures are limited per client address as
well as per user name (behind a trusted proxy, per forwarded address)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from pulse.app import create_app
from pulse.bootstrap import Container, build_container
from pulse.platform.auth import passwords
from pulse.platform.settings import Settings
from tests.integration.auth.conftest import PASSWORD, MakeUser, assert_problem, throttle_of
from tests.integration.auth.test_login_burst import GatedVerify, _until
from tests.servers import app_lifespan


@asynccontextmanager
async def product(settings: Settings, **overrides: Any) -> AsyncIterator[Container]:
    container = build_container(settings.model_copy(update=overrides), run_consumers=False)
    app = create_app(container)
    async with app_lifespan(app):
        container.app = app  # type: ignore[attr-defined]
        yield container


def client(container: Container, address: str, **headers: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=container.app, client=(address, 40000))  # type: ignore[attr-defined]
    return httpx.AsyncClient(transport=transport, base_url="http://pulse.test", headers=headers)


async def attempt(
    container: Container, address: str, username: str, password: str = "wrong", **headers: str
) -> httpx.Response:
    async with client(container, address, **headers) as c:
        return await c.post("/auth/login", json={"username": username, "password": password})


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> GatedVerify:
    gate = GatedVerify(passwords._verify)
    monkeypatch.setattr(passwords, "_verify", gate)
    return gate


async def test_a_full_hash_queue_answers_429_with_retry_after_at_once(
    settings: Settings, make_user: MakeUser, gated: GatedVerify
) -> None:
    # Real names: an unknown one waits its turn but holds no worker (see test_hash_pool.py).
    for name in ("first", "second"):
        await make_user(name)
    async with product(
        settings, password_hash_workers=1, password_hash_queue=1, password_hash_per_client=5
    ) as container:
        running = asyncio.create_task(attempt(container, "192.0.2.1", "first"))
        await _until(lambda: gated.calls == 1, "the only worker is busy")
        waiting = asyncio.create_task(attempt(container, "192.0.2.2", "second"))
        await _until(lambda: container.hashing.pending == 2, "the queue is full")

        refused = await attempt(container, "192.0.2.3", "third")

        body = assert_problem(refused, 429, "login_busy")
        assert body["retry_after"] >= 1
        assert refused.headers["retry-after"] == str(body["retry_after"])
        # Refused before anything was counted: the name has no attempt on record.
        assert await throttle_of(container, "third") is None
        gated.gate.set()
        assert [r.status_code for r in await asyncio.gather(running, waiting)] == [401, 401]
    assert gated.calls == 2


async def test_one_address_cannot_take_the_whole_pool(
    settings: Settings, make_user: MakeUser, gated: GatedVerify
) -> None:
    for name in ("random-0", "random-1", "someone"):
        await make_user(name)
    async with product(
        settings, password_hash_workers=1, password_hash_queue=10, password_hash_per_client=2
    ) as container:
        mine = [
            asyncio.create_task(attempt(container, "192.0.2.50", f"random-{i}")) for i in range(2)
        ]
        await _until(lambda: container.hashing.pending == 2, "the address has its share")

        assert_problem(await attempt(container, "192.0.2.50", "random-3"), 429, "login_busy")
        other = asyncio.create_task(attempt(container, "192.0.2.60", "someone"))
        await _until(lambda: container.hashing.pending == 3, "another address is admitted")
        gated.gate.set()
        answers = await asyncio.gather(*mine, other)
    assert [r.status_code for r in answers] == [401, 401, 401]


async def test_failures_are_limited_per_address_across_user_names(
    settings: Settings, make_user: MakeUser, container: Container
) -> None:
    await make_user("sam")
    limit = 3
    async with product(settings, login_address_max_failures=limit) as guarded:
        for i in range(limit):
            assert_problem(await attempt(guarded, "192.0.2.10", f"name-{i}"), 401)

        locked = assert_problem(
            await attempt(guarded, "192.0.2.10", "name-new"), 429, "address_locked"
        )
        assert 1 <= locked["retry_after"] <= settings.login_address_window_seconds
        # Even the right password, from that address, is not checked.
        assert_problem(await attempt(guarded, "192.0.2.10", "sam", PASSWORD), 429)
        # Another address is not affected, and the names themselves are far from their limit.
        assert (await attempt(guarded, "192.0.2.11", "sam", PASSWORD)).status_code == 200
        assert_problem(await attempt(guarded, "192.0.2.11", "name-0"), 401)


async def test_a_right_password_gives_the_address_its_attempt_back(
    settings: Settings, make_user: MakeUser, container: Container
) -> None:
    await make_user("tina")
    async with product(settings, login_address_max_failures=3) as guarded:
        for _ in range(5):
            assert (await attempt(guarded, "192.0.2.20", "tina", PASSWORD)).status_code == 200
        # Only failures add up: two of three, a success, the third; then the address is locked.
        for _ in range(2):
            assert_problem(await attempt(guarded, "192.0.2.20", "tina", "wrong"), 401)
        assert (await attempt(guarded, "192.0.2.20", "tina", PASSWORD)).status_code == 200
        assert_problem(await attempt(guarded, "192.0.2.20", "nobody", "wrong"), 401)
        assert_problem(
            await attempt(guarded, "192.0.2.20", "tina", PASSWORD), 429, "address_locked"
        )


async def test_an_ipv6_client_counts_by_its_64(settings: Settings) -> None:
    async with product(settings, login_address_max_failures=2) as guarded:
        assert_problem(await attempt(guarded, "2001:db8:1:2::1", "a"), 401)
        assert_problem(await attempt(guarded, "2001:db8:1:2::ff", "b"), 401)

        assert_problem(await attempt(guarded, "2001:db8:1:2:abcd::9", "c"), 429, "address_locked")
        assert_problem(await attempt(guarded, "2001:db8:1:3::1", "c"), 401)


async def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(settings: Settings) -> None:
    async with product(settings, login_address_max_failures=2) as guarded:
        # A client that sets the header itself still counts as the address it connects from.
        for spoofed in ("203.0.113.1", "203.0.113.2"):
            response = await attempt(guarded, "192.0.2.30", "x", **{"X-Forwarded-For": spoofed})
            assert_problem(response, 401)
        response = await attempt(guarded, "192.0.2.30", "x", **{"X-Forwarded-For": "203.0.113.3"})
        assert_problem(response, 429, "address_locked")


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    settings: Settings,
) -> None:
    proxy = "10.0.0.5"
    async with product(
        settings, login_address_max_failures=2, trusted_proxies="10.0.0.0/24"
    ) as guarded:

        async def via_proxy(forwarded: str) -> httpx.Response:
            return await attempt(guarded, proxy, "y", **{"X-Forwarded-For": forwarded})

        assert_problem(await via_proxy("203.0.113.7"), 401)
        # A made-up hop in front of the real client changes nothing: the right-most
        # address the trusted proxy did not add is the client.
        assert_problem(await via_proxy("198.51.100.1, 203.0.113.7"), 401)
        assert_problem(await via_proxy("203.0.113.7"), 429, "address_locked")
        assert_problem(await via_proxy("203.0.113.8"), 401)
        # Through two trusted proxies as well.
        assert_problem(await via_proxy("203.0.113.7, 10.0.0.9"), 429, "address_locked")
