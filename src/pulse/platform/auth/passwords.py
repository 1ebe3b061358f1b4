"""Argon2id password hashing on a small, bounded pool of its own, shared fairly.

A hash costs about 50-150 ms of CPU by design: argon2id with OWASP's parameters (19 MiB,
two passes, one lane; see `_hasher`). Run unbounded on the default thread pool, a flood
of logins for random names filled the threads that the database driver and file I/O also
use, and stalled every request of the process. Here:

- hashes run on a few dedicated threads (argon2 releases the GIL), niced below the event
  loop on Linux, so API calls and health checks keep their share of the cores;
- a login must be admitted first: at most `per_client` at once per client address, and
  only while fewer than `workers + queue` checks wait for or hold a worker; otherwise it
  is answered 429 with Retry-After at once, before anything is written;
- a login for an unknown name (no hash to check) waits its turn like any other, then
  answers after the time a check takes without spending one (see `admit`);
- a free worker goes to the waiting client served longest ago, so a client with many
  logins in the queue delays another client's login by at most the hashes already running.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pulse.platform.errors import TooManyRequests

# OWASP's Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. argon2-cffi's default
# (RFC 9106's 64 MiB, t=3, four lanes) took 0.6-0.8 s a check on a busy two-core box, most
# of a sign-in (docs/PERFORMANCE.md, "Sign-in"); hashes made with it are upgraded to these
# at the user's next login (`needs_rehash`).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
T = TypeVar("T")
# Work that is not a login (creating a user, changing a password) queues under this key.
ADMIN_CLIENT = "(administration)"
# Niceness of the hashing threads: the event loop wins a contended core, a login waits.
HASH_NICENESS = 5


def _hash(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def default_workers() -> int:
    # Half the cores: argon2 runs several lanes per hash, and the API needs cores too.
    return max(1, (os.cpu_count() or 2) // 2)


def _lower_priority() -> None:
    # On Linux a thread has its own nice value (setpriority on its thread id), and the
    # threads argon2 starts for its lanes inherit it.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


class HashPool:
    """Every password hash of one process runs here; see the module docstring."""

    def __init__(self, *, workers: int = 0, queue: int = 16, per_client: int = 4) -> None:
        self.workers = workers or default_workers()
        self.limit = self.workers + queue
        self.per_client = per_client
        self._executor = ThreadPoolExecutor(
            self.workers, thread_name_prefix="argon2", initializer=_lower_priority
        )
        self._idle = self.workers
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        # When each client was last given a worker (a count of services), oldest first.
        self._served: OrderedDict[str, int] = OrderedDict()
        self._services = 0
        # Logins admitted per client (from admission to answer), and the checks waiting for
        # or holding a worker: the queue that `limit` bounds.
        self._admitted: Counter[str] = Counter()
        self._in_pool = 0
        # A running estimate of one hash: how long an unknown name's answer waits, and the
        # Retry-After of a refused login. Measured by the first hash of the process.
        self._seconds = 0.2
        self._measured = False

    @property
    def pending(self) -> int:
        """Checks waiting for or holding a worker."""
        return self._in_pool

    @property
    def in_line(self) -> int:
        """Checks waiting for a worker, unknown names' included."""
        return sum(len(queue) for queue in self._waiting.values())

    def retry_after(self) -> int:
        return max(1, math.ceil(self._seconds * self._in_pool / self.workers))

    @contextlib.asynccontextmanager
    async def admit(self, client: str) -> AsyncIterator[Callable[[str | None, str], Any]]:
        """Admit one login from `client`, or raise 429; yields its password check."""
        if self._admitted[client] >= self.per_client:
            raise TooManyRequests(
                "too many logins from your address at once; try again shortly",
                code="login_busy",
                extra={"retry_after": self.retry_after()},
            )
        if self._in_pool >= self.limit:
            raise TooManyRequests(
                "the server is busy checking passwords; try again shortly",
                code="login_busy",
                extra={"retry_after": self.retry_after()},
            )
        self._admitted[client] += 1

        async def check(password_hash: str | None, password: str) -> bool:
            if password_hash is not None:
                return await self._run(client, _verify, password_hash, password)
            # An unknown name: wait for a worker like a real check, hand it straight on, and
            # answer after the time a check takes, so the response time does not tell which
            # names exist, yet a flood of made-up names costs no hashing and holds no worker.
            if not self._measured:
                await self._run(client, _hash, password)
                return False
            # Not counted against `limit`: it needs no worker, only its place in line.
            await self._turn(client)
            self._hand_on()
            await asyncio.sleep(self._seconds)
            return False

        try:
            yield check
        finally:
            self._admitted[client] -= 1
            if not self._admitted[client]:
                del self._admitted[client]

    async def hash(self, password: str) -> str:
        """Hash a new password: waits its turn but is never refused (an admin's request)."""
        return await self._run(ADMIN_CLIENT, _hash, password)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- scheduling --------------------------------------------------------------------------
    async def _run(self, client: str, fn: Callable[..., T], *args: Any) -> T:
        self._in_pool += 1
        try:
            await self._turn(client)
        except BaseException:
            self._in_pool -= 1
            raise
        try:
            work: Future[T] = self._executor.submit(fn, *args)
        except BaseException:
            self._finished()
            raise
        # The worker is handed on when the hash is done, even if the caller stopped waiting.
        loop = asyncio.get_running_loop()
        work.add_done_callback(lambda _: _call_soon(loop, self._finished))
        started = time.monotonic()
        result = await asyncio.wrap_future(work)
        elapsed = time.monotonic() - started
        self._seconds = 0.8 * self._seconds + 0.2 * elapsed if self._measured else elapsed
        self._measured = True
        return result

    def _finished(self) -> None:
        self._in_pool -= 1
        self._hand_on()

    async def _turn(self, client: str) -> None:
        if self._idle and not self._waiting:
            self._idle -= 1
            self._serve(client)
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(client, deque()).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._hand_on()  # given a worker, then cancelled: pass the worker on
            else:
                self._forget(client, turn)
            raise

    def _forget(self, client: str, turn: asyncio.Future[None]) -> None:
        queue = self._waiting.get(client)
        if queue is not None:
            with contextlib.suppress(ValueError):
                queue.remove(turn)
            if not queue:
                del self._waiting[client]

    def _hand_on(self) -> None:
        """A worker is free: give it to the waiting client served longest ago (a client not
        served yet first), or mark it idle."""
        while self._waiting:
            client = min(self._waiting, key=lambda c: self._served.get(c, -1))
            queue = self._waiting[client]
            turn = queue.popleft()
            if not queue:
                del self._waiting[client]
            if not turn.done():
                self._serve(client)
                turn.set_result(None)
                return
        self._idle += 1

    def _serve(self, client: str) -> None:
        self._services += 1
        self._served[client] = self._services
        self._served.move_to_end(client)
        # Only the order matters; clients not seen for a while are forgotten.
        while len(self._served) > 4 * self.limit:
            self._served.popitem(last=False)


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    with contextlib.suppress(RuntimeError):  # the loop has closed: nothing left to hand on
        loop.call_soon_threadsafe(callback)
