"""The login budgets under concurrency, straight through units of work on all three
backends: of many racing attempts for one name (or from one address) exactly the allowed
number get through, whatever the interleaving, and the racing first inserts of a key's row
neither fail nor deadlock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pulse.bootstrap import Container, build_container
from pulse.platform.auth import login
from pulse.platform.errors import TooManyRequests
from pulse.platform.settings import Settings
from tests.integration.auth.conftest import throttle_of

RACERS = 40


@pytest.fixture
async def bare_container(race_url: str, tmp_path: Path) -> AsyncIterator[Container]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=race_url,
        jwt_secret="test-secret-" + "x" * 40,
        db_pool_size=RACERS + 5,
        login_address_max_failures=7,
    )
    container = build_container(settings, run_consumers=False)
    try:
        yield container
    finally:
        container.hashing.close()
        await container.db.dispose()


async def _open(container: Container, username: str, address: str) -> None:
    async with container.uow(actor="setup") as uow:
        await login.open_keys(uow, username, address, settings=container.settings)
        await uow.commit()


async def _race(container: Container, attempts: list[tuple[str, str]]) -> list[str]:
    async def reserve(username: str, address: str) -> bool:
        async with container.uow(actor=username) as uow:
            taken = await login.reserve(uow, username, address, settings=container.settings)
            if taken is not None:
                await uow.commit()
            return taken is not None

    async def one(username: str, address: str) -> str:
        # As the login endpoint does: a key without a row gets one, then the attempt again.
        try:
            if not await reserve(username, address):
                await _open(container, username, address)
                if not await reserve(username, address):
                    return "no row"
        except TooManyRequests as refused:
            return refused.code
        return "taken"

    return list(await asyncio.gather(*(one(name, address) for name, address in attempts)))


async def test_racing_attempts_for_one_name_take_exactly_the_allowed(
    bare_container: Container,
) -> None:
    limit = bare_container.settings.login_max_failures

    outcomes = await _race(bare_container, [("target", f"10.9.0.{i}") for i in range(RACERS)])

    assert outcomes.count("taken") == limit
    assert outcomes.count("login_locked") == RACERS - limit
    row = await throttle_of(bare_container, "target")
    assert row is not None and row.failures == limit and row.locked_until is not None


async def test_racing_attempts_from_one_address_take_exactly_the_allowed(
    bare_container: Container,
) -> None:
    limit = bare_container.settings.login_address_max_failures

    outcomes = await _race(bare_container, [(f"name-{i}", "10.9.9.9") for i in range(RACERS)])

    assert outcomes.count("taken") == limit
    assert outcomes.count("address_locked") == RACERS - limit
