import asyncio

import pytest

from pulse.platform.writer_lock import WriterLock


async def test_fast_lane_goes_first_and_order_is_kept_within_a_lane() -> None:
    lock = WriterLock()
    order: list[str] = []
    await lock.acquire()

    async def take(name: str, priority: bool) -> None:
        await lock.acquire(priority=priority)
        order.append(name)
        await asyncio.sleep(0)
        lock.release()

    tasks = [
        asyncio.create_task(take("request-1", False)),
        asyncio.create_task(take("request-2", False)),
        asyncio.create_task(take("consumer-1", True)),
        asyncio.create_task(take("consumer-2", True)),
    ]
    await asyncio.sleep(0)
    lock.release()
    await asyncio.gather(*tasks)
    assert order == ["consumer-1", "consumer-2", "request-1", "request-2"]
    assert not lock.locked()


async def test_a_cancelled_waiter_neither_holds_nor_loses_the_lock() -> None:
    lock = WriterLock()
    await lock.acquire()
    waiter = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    lock.release()
    assert not lock.locked()
    await asyncio.wait_for(lock.acquire(priority=True), timeout=1)
    assert lock.locked()


async def test_cancelled_just_after_the_hand_over_passes_the_lock_on() -> None:
    lock = WriterLock()
    await lock.acquire()
    first = asyncio.create_task(lock.acquire())
    second = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    lock.release()  # hands the lock to `first`...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, timeout=1)
    assert lock.locked()
