"""A first-come lock with one fast lane.

Embedded mode serialises write transactions. When requests and consumers queue for the
same lock in plain arrival order, the consumers that confirm orders wait behind every
request already queued, so confirmation lags further the busier the shop is. Consumers
(and the relay) take the fast lane; they hold the lock for one batch at a time, so requests
still get their turns between batches.
"""

from __future__ import annotations

import asyncio
from collections import deque


class WriterLock:
    def __init__(self) -> None:
        self._locked = False
        self._lanes: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (
            deque(),
            deque(),
        )

    def locked(self) -> bool:
        return self._locked

    def waiting(self) -> int:
        """Writers queued in the ordinary lane (requests), not counting the holder."""
        return sum(1 for waiter in self._lanes[1] if not waiter.done())

    async def acquire(self, *, priority: bool = False) -> None:
        if not self._locked and not self._lanes[0] and not self._lanes[1]:
            self._locked = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane = self._lanes[0 if priority else 1]
        lane.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the lock was handed over just as we were cancelled
            else:
                lane.remove(waiter)
            raise

    def release(self) -> None:
        # Hand the lock straight to the next waiter, fast lane first, so nobody can slip in.
        for lane in self._lanes:
            while lane:
                waiter = lane.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._locked = False
