"""Stopping background tasks: every one is cancelled and awaited, whatever it raises on
the way out, and a task already finished or never started is no obstacle."""

from __future__ import annotations

import asyncio

from pulse.platform.tasks import cancel_and_wait


async def test_every_task_ends_and_what_they_raise_is_dropped() -> None:
    async def forever() -> None:
        await asyncio.Event().wait()

    async def fails_when_stopped() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RuntimeError("cleanup failed") from None

    async def done() -> None:
        return None

    tasks = [asyncio.create_task(f()) for f in (forever, fails_when_stopped, done)]
    await asyncio.sleep(0)
    await cancel_and_wait(*tasks, None)
    assert all(task.done() for task in tasks)
    assert tasks[0].cancelled()
    assert isinstance(tasks[1].exception(), RuntimeError)
    assert tasks[2].result() is None
