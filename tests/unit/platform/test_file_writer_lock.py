"""The SQLite write lock between processes (`FileWriterLock`, platform/writer_lock.py): a
wait for another process runs on a thread, so the event loop goes on; an ordinary writer
gives a priority writer of another process its turn, but only up to the bound, and not to
one that died waiting; a cancelled wait leaves no lock behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path

import pytest

from pulse.platform.writer_lock import FileWriterLock
from tests.servers import end_piped

SAY_SECONDS = 10.0
# A hold ends by itself after this long, so a test whose loop is (wrongly) blocked ends.
HOLD_SECONDS = 8.0

# Another process on the same lock file. Obeys lines on stdin and answers each:
# hold / release: flock(2) the file, or let it go (a hold ends by itself after HOLD_SECONDS);
# priority: `FileWriterLock.acquire(priority=True)`, answering "got" once it holds the lock
# (let go by `release`, or after HOLD_SECONDS);
# try: "got" if the lock can be taken at once (and lets it go), else "busy";
# mark / unmark: its pid in the priority flag (the file's first 4 bytes), or 0.
OTHER = """
import asyncio, fcntl, os, sys, threading
from pulse.platform.writer_lock import FileWriterLock

path, hold_seconds = sys.argv[1], float(sys.argv[2])
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
lock = None

def say(what):
    print(what, flush=True)

for line in sys.stdin:
    command = line.strip()
    if command == "hold":
        fcntl.flock(fd, fcntl.LOCK_EX)
        threading.Timer(hold_seconds, fcntl.flock, (fd, fcntl.LOCK_UN)).start()
        say("held")
    elif command == "release":
        if lock is not None:
            lock.release()
            lock = None
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
        say("released")
    elif command == "try":
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("busy")
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            say("got")
    elif command == "mark":
        os.pwrite(fd, os.getpid().to_bytes(4, "little"), 0)
        say("marked")
    elif command == "unmark":
        os.pwrite(fd, bytes(4), 0)
        say("unmarked")
    elif command == "priority":
        lock = FileWriterLock(path)
        asyncio.run(lock.acquire(priority=True))
        threading.Timer(hold_seconds, lock.release).start()
        say("got")
"""


class Other:
    """The other process, and what it answers."""

    def __init__(self, script: Path, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(path), str(HOLD_SECONDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid = self.process.pid
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.strip())

    def tell(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def _next(self) -> str:
        try:
            return self._lines.get(timeout=SAY_SECONDS)
        except queue.Empty:
            raise AssertionError(f"process {self.pid} answered nothing") from None

    async def ask(self, command: str) -> str:
        self.tell(command)
        return await asyncio.to_thread(self._next)

    async def answer(self) -> str:
        return await asyncio.to_thread(self._next)

    def stop(self) -> None:
        end_piped(self.process)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "pulse.db-writer"


@pytest.fixture
def start_other(tmp_path: Path, path: Path) -> Iterator[Callable[[], Other]]:
    script = tmp_path / "other.py"
    script.write_text(OTHER)
    started: list[Other] = []

    def start() -> Other:
        other = Other(script, path)
        started.append(other)
        return other

    yield start
    for other in started:
        other.stop()


@pytest.fixture
async def new_lock(path: Path) -> AsyncIterator[Callable[[], FileWriterLock]]:
    """Locks of this process on the file (each with its own descriptor, like a process)."""
    made: list[FileWriterLock] = []

    def make() -> FileWriterLock:
        made.append(FileWriterLock(str(path)))
        return made[-1]

    yield make
    for lock in made:
        lock.close()


@contextlib.asynccontextmanager
async def background(acquiring: Coroutine[None, None, None]) -> AsyncIterator[asyncio.Task[None]]:
    """The acquire as a task, not left running when the test fails (a failing test's
    lock would otherwise be closed under it)."""
    task = asyncio.create_task(acquiring)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def priority_flag(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[:4], "little")


async def until(what: str, predicate: Callable[[], bool], seconds: float = SAY_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def test_a_wait_for_another_process_keeps_the_loop_going_and_ends_at_its_release(
    new_lock: Callable[[], FileWriterLock], start_other: Callable[[], Other]
) -> None:
    lock = new_lock()
    other = start_other()
    assert await other.ask("hold") == "held"
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        async with background(lock.acquire()) as taking:
            await asyncio.sleep(0.5)
            assert ticks >= 10, f"the loop ticked {ticks} times in 0.5 s"
            assert not taking.done(), "taken while the other process holds it"

            other.tell("release")
            await asyncio.wait_for(taking, timeout=SAY_SECONDS)
            assert await other.answer() == "released"
    finally:
        ticker.cancel()
    assert await other.ask("try") == "busy", "this process holds it now"
    lock.release()
    assert await other.ask("try") == "got"


async def waiting_with_priority(
    path: Path, new_lock: Callable[[], FileWriterLock], start_other: Callable[[], Other]
) -> tuple[FileWriterLock, Other]:
    """This process holds the lock; the other waits for it in the fast lane."""
    holder = new_lock()
    await holder.acquire()
    other = start_other()
    other.tell("priority")
    await until("the priority flag", lambda: priority_flag(path) == other.pid)
    return holder, other


async def test_a_priority_waiter_of_another_process_goes_before_an_ordinary_writer(
    path: Path, new_lock: Callable[[], FileWriterLock], start_other: Callable[[], Other]
) -> None:
    # Waiting, it has left its pid where the other processes' ordinary writers look.
    holder, other = await waiting_with_priority(path, new_lock, start_other)

    writer = new_lock()
    # Long enough for the turn to pass whatever the machine's load; the bound has its test.
    writer.MAX_DEFER_SECONDS = SAY_SECONDS
    async with background(writer.acquire()) as writing:
        await asyncio.sleep(0.1)
        holder.release()
        assert await other.answer() == "got"
        assert priority_flag(path) == 0, "cleared once it has the lock"
        await asyncio.sleep(0.2)
        assert not writing.done(), "the priority writer holds it"
        assert await other.ask("release") == "released"
        await asyncio.wait_for(writing, timeout=SAY_SECONDS)


async def test_an_ordinary_writer_defers_to_a_live_priority_waiter_only_up_to_the_bound(
    path: Path, new_lock: Callable[[], FileWriterLock], start_other: Callable[[], Other]
) -> None:
    lock = new_lock()
    other = start_other()
    assert await other.ask("mark") == "marked"
    # The lock is free, but another process says it waits with priority.
    started = time.monotonic()
    await asyncio.wait_for(lock.acquire(), timeout=SAY_SECONDS)
    waited = time.monotonic() - started
    assert FileWriterLock.MAX_DEFER_SECONDS <= waited < 1.0
    assert priority_flag(path) == other.pid, "a live waiter's flag is left alone"
    lock.release()

    # Within the bound it waits for the priority writer's turn to pass, not for the bound.
    patient = new_lock()
    patient.MAX_DEFER_SECONDS = 30.0
    async with background(patient.acquire()) as taking:
        await asyncio.sleep(0.3)
        assert not taking.done()
        assert await other.ask("unmark") == "unmarked"
        await asyncio.wait_for(taking, timeout=5.0)


async def test_the_flag_of_a_process_that_died_waiting_holds_writers_up_only_to_the_bound(
    path: Path, new_lock: Callable[[], FileWriterLock], start_other: Callable[[], Other]
) -> None:
    holder, other = await waiting_with_priority(path, new_lock, start_other)
    other.process.send_signal(signal.SIGKILL)
    other.process.wait(timeout=10)
    holder.release()

    lock = new_lock()
    started = time.monotonic()
    await asyncio.wait_for(lock.acquire(), timeout=SAY_SECONDS)
    waited = time.monotonic() - started
    assert waited < 1.0
    assert priority_flag(path) == 0, "the dead waiter's flag is cleared"
    lock.release()


@pytest.mark.parametrize("priority", [False, True], ids=["ordinary", "priority"])
async def test_a_cancelled_wait_leaves_the_lock_free_for_another_process(
    path: Path,
    new_lock: Callable[[], FileWriterLock],
    start_other: Callable[[], Other],
    priority: bool,
) -> None:
    lock = new_lock()
    other = start_other()
    assert await other.ask("hold") == "held"
    async with background(lock.acquire(priority=priority)) as taking:
        await asyncio.sleep(0.3)
        assert not taking.done()
        if priority:
            assert priority_flag(path) == os.getpid()

        taking.cancel()
        assert await other.ask("release") == "released"
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(taking, timeout=SAY_SECONDS)
    assert await other.ask("try") == "got", "the cancelled wait kept the lock"
    assert priority_flag(path) == 0
