"""A first-come lock with one fast lane.

Embedded mode serialises write transactions. When requests and consumers queue for the
same lock in plain arrival order, the consumers that confirm orders wait behind every
request already queued, so confirmation lags further the busier the shop is. Consumers
(and the relay) take the fast lane; they hold the lock for one batch at a time, so requests
still get their turns between batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import mmap
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from prometheus_client import Histogram

_LOCK_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
LOCK_WAITED = Histogram(
    "pulse_write_lock_wait_seconds",
    "How long a writer waited for the SQLite write lock (this process's and the file's)",
    ["lane"],
    buckets=_LOCK_BUCKETS,
)
LOCK_HELD = Histogram(
    "pulse_write_lock_held_seconds",
    "How long a writer held the SQLite write lock, to the end of its transaction",
    ["lane"],
    buckets=_LOCK_BUCKETS,
)
# By priority: the (waited, held) histograms of the fast lane (consumers and the relay) and
# of the rest (requests).
LANES: dict[bool, tuple[Histogram, Histogram]] = {
    True: (LOCK_WAITED.labels(lane="consumer"), LOCK_HELD.labels(lane="consumer")),
    False: (LOCK_WAITED.labels(lane="request"), LOCK_HELD.labels(lane="request")),
}


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


class FileWriterLock:
    """The write lock between the processes that share one SQLite file.

    Taken after this process's own `WriterLock`, so at most one task per process holds or
    waits for it. SQLite would serialise the writers anyway, but a writer waiting inside
    SQLite blocks the event loop it runs on (statements run inline, sqlite_inline.py) and
    retries on a coarse sleep; here a wait happens on a thread of its own, blocked in
    flock(2), and the loop goes on serving.

    The fast lane crosses processes too: a priority writer (a consumer, the relay) that has
    to wait leaves its pid in the first bytes of the lock file (shared memory), and an
    ordinary writer (a request) of another process lets it have the next turn, waiting at
    most `MAX_DEFER_SECONDS`, so confirmations do not queue behind a busy shop's requests.
    """

    MAX_DEFER_SECONDS = 0.05
    DEFER_POLL_SECONDS = 0.0005

    def __init__(self, path: str) -> None:
        self._pid = os.getpid()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < 8:
            os.ftruncate(self._fd, 8)
        self._waiting = mmap.mmap(self._fd, 8)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer-lock")

    def _flock(self, blocking: bool) -> bool:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True

    def _priority_waiter(self) -> int:
        return int.from_bytes(self._waiting[:4], "little")

    def _mark_waiting(self, pid: int) -> None:
        self._waiting[:4] = pid.to_bytes(4, "little")

    async def acquire(self, *, priority: bool = False) -> None:
        if not priority:
            await self._defer()
        if self._flock(False):
            return
        if priority:
            self._mark_waiting(self._pid)
        loop = asyncio.get_running_loop()
        taking = loop.run_in_executor(self._thread, self._flock, True)
        try:
            await asyncio.shield(taking)
        except asyncio.CancelledError:
            # Cancelled while the thread waits: the lock will be ours all the same. It is
            # let go before this process's own lock is (by the caller), or a writer here
            # could take it in between and lose it to that release.
            await _uncancellable(taking)
            self.release()
            raise
        finally:
            if priority and self._priority_waiter() == self._pid:
                self._mark_waiting(0)

    async def _defer(self) -> None:
        waiter = self._priority_waiter()
        if not waiter or waiter == self._pid:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.MAX_DEFER_SECONDS
        while (waiter := self._priority_waiter()) and waiter != self._pid:
            if loop.time() >= deadline:
                try:
                    os.kill(waiter, 0)
                except ProcessLookupError:
                    self._mark_waiting(0)  # it died waiting
                except PermissionError:
                    self._mark_waiting(0)  # it died, and its pid went to another user
                return
            await asyncio.sleep(self.DEFER_POLL_SECONDS)

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
        self._waiting.close()
        os.close(self._fd)


async def _uncancellable(future: asyncio.Future[bool]) -> None:
    while not future.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({future})
