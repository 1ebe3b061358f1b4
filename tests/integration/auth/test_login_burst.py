"""Finding 5: a burst of parallel wrong passwords checks no more passwords than the lockout
allows, and the answers to the burst do not tell the right password from the wrong ones."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pulse.bootstrap import Container
from pulse.platform.auth import passwords
from pulse.platform.settings import Settings
from tests.integration.auth.conftest import PASSWORD, MakeUser, assert_problem, login


class GatedVerify:
    """Counts the password checks and holds each one until released, so a test can send
    more attempts while the first ones are still being checked."""

    def __init__(self, real: Callable[[str, str], bool]) -> None:
        self.real = real
        self.calls = 0
        self._lock = threading.Lock()
        self.gate = threading.Event()

    def __call__(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.calls += 1
        # Bounded so a broken test ends instead of hanging the run.
        self.gate.wait(30)
        return self.real(password_hash, password)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Enough hashing threads that every attempt let through is held in its check at once.
    return settings.model_copy(update={"password_hash_workers": 2 * settings.login_max_failures})


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> GatedVerify:
    gate = GatedVerify(passwords._verify)
    monkeypatch.setattr(passwords, "_verify", gate)
    return gate


def client_at(container: Container, address: str) -> httpx.AsyncClient:
    """A client whose requests come from `address`, as a distributed attacker's would."""
    transport = httpx.ASGITransport(app=container.app, client=(address, 40000))  # type: ignore[attr-defined]
    return httpx.AsyncClient(transport=transport, base_url="http://pulse.test")


async def _until(condition: Callable[[], bool], what: str) -> None:
    # A bound on waiting for other tasks, not a timed assertion: it turns a hang into a failure.
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"gave up waiting until {what}")


def _shape(response: httpx.Response) -> tuple[int, str, str]:
    body: dict[str, Any] = response.json()
    return response.status_code, body.get("code", ""), re.sub(r"\d+", "N", body.get("detail", ""))


async def test_a_parallel_burst_checks_at_most_the_allowed_passwords(
    make_user: MakeUser, container: Container, settings: Settings, gated: GatedVerify
) -> None:
    await make_user("victim")
    limit = settings.login_max_failures
    clients = [client_at(container, f"198.51.100.{i}") for i in range(1, limit + 6)]
    try:
        first = [
            asyncio.create_task(login(clients[i], "victim", f"wrong guess {i}"))
            for i in range(limit)
        ]
        # Every allowed attempt is now being checked; the name has no attempts left.
        await _until(lambda: gated.calls >= limit, f"{limit} passwords are being checked")
        later_wrong = [
            asyncio.create_task(login(clients[limit + i], "victim", f"late guess {i}"))
            for i in range(4)
        ]
        right = asyncio.create_task(login(clients[limit + 4], "victim", PASSWORD))
        late = [*later_wrong, right]
        await _until(
            lambda: gated.calls + sum(t.done() for t in late) >= limit + len(late),
            "every late attempt is answered or being checked",
        )
        gated.gate.set()
        first_answers = await asyncio.gather(*first)
        late_answers = await asyncio.gather(*late)
    finally:
        gated.gate.set()
        for client in clients:
            await client.aclose()

    assert gated.calls == limit
    assert [r.status_code for r in first_answers] == [401] * limit
    # The right password, arriving after the limit, gets exactly the wrong ones' answer.
    for response in late_answers:
        assert_problem(response, 429, "login_locked")
    assert {_shape(r) for r in late_answers} == {_shape(late_answers[0])}
    # And the name stays locked for it afterwards.
    async with client_at(container, "198.51.100.200") as fresh:
        assert_problem(await login(fresh, "victim"), 429, "login_locked")
    assert gated.calls == limit


async def test_a_burst_for_an_unknown_name_is_bounded_too(
    container: Container, settings: Settings, gated: GatedVerify
) -> None:
    limit = settings.login_max_failures
    clients = [client_at(container, f"203.0.113.{i}") for i in range(1, 2 * limit + 1)]
    try:
        tasks = [asyncio.create_task(login(c, "nobody-here", "guess")) for c in clients]
        await _until(
            lambda: gated.calls + sum(t.done() for t in tasks) >= len(tasks),
            "every attempt is answered or being checked",
        )
        gated.gate.set()
        answers = await asyncio.gather(*tasks)
    finally:
        gated.gate.set()
        for client in clients:
            await client.aclose()

    assert sorted(r.status_code for r in answers) == [401] * limit + [429] * limit
    # An unknown name has no hash to check: its answer waits as long, but burns no hash.
    assert gated.calls == 0
