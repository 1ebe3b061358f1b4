"""Moving a series' next number while numbers are taken at the same time, on SQLite,
PostgreSQL and MariaDB: no number is ever handed out twice, and none below a number set."""

from __future__ import annotations

import asyncio

import pytest

from pulse.bootstrap import Container
from pulse.platform.company.schemas import SeriesRead, SeriesUpdate
from pulse.platform.company.series import list_series, update_series
from pulse.platform.errors import Conflict
from pulse.platform.numbering import BLOCK, next_number


async def _take(container: Container, series: str, gapless: bool) -> str:
    async with container.uow() as uow:
        number = await next_number(uow, series, gapless=gapless)
        await uow.commit()
        return number


async def _move(container: Container, series: str, value: int) -> int | None:
    try:
        async with container.uow(actor="admin") as uow:
            moved = await update_series(uow, series, SeriesUpdate(next_number=value))
            await uow.commit()
            return moved.next_number
    except Conflict:
        return None


async def _shown(container: Container, series: str) -> SeriesRead:
    async with container.uow(readonly=True) as uow:
        return {s.series: s for s in await list_series(uow)}[series]


@pytest.mark.parametrize(("series", "gapless"), [("invoices", True), ("orders", False)])
async def test_numbers_stay_unique_and_forward(
    bare_container: Container, series: str, gapless: bool
) -> None:
    taken_before = [await _take(bare_container, series, gapless) for _ in range(3)]
    base = (await _shown(bare_container, series)).next_number
    results = await asyncio.gather(
        *(_take(bare_container, series, gapless) for _ in range(20)),
        *(_move(bare_container, series, base + value) for value in (300, 200, 400)),
    )
    taken = taken_before + [r for r in results[:20] if isinstance(r, str)]
    moves = [r for r in results[20:] if r is not None]

    assert len(set(taken)) == len(taken), "a number was handed out twice"
    assert base + 400 in moves, "the highest target is never below what was issued"
    after = await _take(bare_container, series, gapless)
    value = int(after.split("-")[1])
    assert value >= base + 400 and after not in taken
    assert (await _shown(bare_container, series)).next_number > value
    # Going back below what was issued is refused on every backend.
    assert await _move(bare_container, series, value) is None


async def test_a_move_is_followed_and_the_numbers_held_back_stay_few(
    bare_container: Container,
) -> None:
    """After a move, the next order takes the number set. The series then counts as issued
    at most a block this process holds in memory (`BLOCK`), so a later move a little further
    on is accepted; a cache of a thousand values in the database's sequence (MariaDB's
    default) showed the next number a thousand on and refused that move as going back."""
    await _take(bare_container, "orders", False)
    base = (await _shown(bare_container, "orders")).next_number
    assert await _move(bare_container, "orders", base + 200) == base + 200
    taken = await _take(bare_container, "orders", False)
    assert int(taken.split("-")[1]) == base + 200
    assert (await _shown(bare_container, "orders")).next_number <= base + 200 + BLOCK
    assert await _move(bare_container, "orders", base + 200 + 2 * BLOCK) == base + 200 + 2 * BLOCK
