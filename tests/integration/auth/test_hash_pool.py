"""The hash pool on its own: a free worker goes to the client served longest ago, and an
unknown name waits its turn but holds no worker."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest
from argon2 import PasswordHasher

from pulse.platform.auth import passwords
from pulse.platform.auth.passwords import HashPool
from tests.integration.auth.test_login_burst import _until


@pytest.fixture
async def pool() -> AsyncIterator[HashPool]:
    hashing = HashPool(workers=1, queue=10, per_client=5)
    yield hashing
    hashing.close()


class Recorder:
    """Stands in for argon2's verify: records whose password it checks, in order, and
    holds the first check until released."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.release = threading.Event()

    def __call__(self, password_hash: str, password: str) -> bool:
        self.order.append(password)
        if len(self.order) == 1:
            self.release.wait(30)
        return False


async def test_a_busy_client_does_not_push_another_to_the_back(
    pool: HashPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(passwords, "_verify", recorder)

    async def check(client: str, password: str) -> bool:
        async with pool.admit(client) as verify:
            return bool(await verify("a stored hash", password))

    flood = [asyncio.create_task(check("attacker", f"attacker-{i}")) for i in range(4)]
    await _until(lambda: recorder.order == ["attacker-0"], "the first check runs")
    await _until(lambda: pool.pending == 4, "the attacker's checks wait")
    user = asyncio.create_task(check("user", "user"))
    await _until(lambda: pool.pending == 5, "the user's check waits")
    recorder.release.set()
    await asyncio.gather(*flood, user)

    # The user's check comes right after the one that was running, not after the queue.
    assert recorder.order[:2] == ["attacker-0", "user"]
    assert sorted(recorder.order[2:]) == ["attacker-1", "attacker-2", "attacker-3"]


async def test_an_unknown_name_waits_its_turn_but_holds_no_worker(
    pool: HashPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))
    recorder = Recorder()
    monkeypatch.setattr(passwords, "_verify", recorder)
    # The first unknown name of a process measures what a check costs, with a real hash.
    async with pool.admit("calibration") as verify:
        assert await verify(None, "anything") is False

    running = asyncio.create_task(_checked(pool, "someone", "a stored hash"))
    await _until(lambda: recorder.order == ["someone"], "a real check holds the worker")
    unknown = asyncio.create_task(_checked(pool, "guesser", None))
    await _until(lambda: pool.in_line == 1, "the unknown name waits")
    # ... without counting against the pool's limit: it needs no worker.
    assert pool.pending == 1
    assert not unknown.done()
    recorder.release.set()
    assert await asyncio.gather(running, unknown) == [False, False]
    assert recorder.order == ["someone"]
    assert pool.pending == 0


async def _checked(pool: HashPool, client: str, stored: str | None) -> bool:
    async with pool.admit(client) as verify:
        return bool(await verify(stored, client))
