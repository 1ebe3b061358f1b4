"""The doorbell between processes on one database (platform/bus/bell.py): a ring reaches the
other processes of the same key with the event types, a burst of rings arrives as one call
with their union, a marker left by a process that is gone is removed, a bell of another key
neither hears the ring nor loses its marker to it, and close() takes the marker away."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from pulse.platform.bus.bell import Bell
from tests.servers import end_piped

KEY = "0123456789abcdef"
OTHER_KEY = "fedcba9876543210"
SAY_SECONDS = 10.0

# A bell in a process of its own. It prints what it hears, one JSON line per call of
# `on_ring` (a list of types, or null for "any"), and obeys lines on stdin:
# `ring a,b;c;*` rings once per `;`-separated item (`*`: any type), then says "rang";
# `close` closes the bell and says "closed".
PEER = """
import asyncio, json, os, sys
from pathlib import Path
from pulse.platform.bus.bell import Bell

def say(what):
    print(json.dumps(what), flush=True)

async def main(directory, key):
    bell = Bell(Path(directory), key)
    bell.on_ring = lambda types: say({"heard": None if types is None else sorted(types)})
    bell.open()
    say({"ready": os.getpid()})
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command, _, arg = line.decode().strip().partition(" ")
        if command == "ring":
            for item in arg.split(";"):
                bell.ring(None if item == "*" else frozenset(t for t in item.split(",") if t))
            say("rang")
        elif command == "close":
            bell.close()
            say("closed")
    bell.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


class Peer:
    """A bell in another process, and what it has said so far."""

    def __init__(self, script: Path, directory: Path, key: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(directory), key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[object] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.pid = self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(json.loads(line))

    def tell(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def said_blocking(self, seconds: float = SAY_SECONDS) -> object:
        """The next thing it says, waited for without letting the event loop run."""
        try:
            return self._lines.get(timeout=seconds)
        except queue.Empty:
            raise AssertionError(f"peer {self.pid} said nothing in {seconds} s") from None

    async def said(self, seconds: float = SAY_SECONDS) -> object:
        return await asyncio.to_thread(self.said_blocking, seconds)

    async def says_nothing_for(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        assert self._lines.empty(), f"peer {self.pid} said {self._lines.get_nowait()!r}"

    def stop(self) -> None:
        end_piped(self.process)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "bells"


@pytest.fixture
def start_peer(tmp_path: Path, directory: Path) -> Iterator[Callable[[str], Peer]]:
    script = tmp_path / "peer.py"
    script.write_text(PEER)
    peers: list[Peer] = []

    def start(key: str = KEY) -> Peer:
        peer = Peer(script, directory, key)
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        peer.stop()


async def ready(peer: Peer) -> Peer:
    assert await peer.said() == {"ready": peer.pid}
    return peer


@pytest.fixture
async def bell(directory: Path) -> AsyncIterator[tuple[Bell, list[frozenset[str] | None]]]:
    """This process's bell (key KEY) and the calls of its `on_ring`."""
    heard: list[frozenset[str] | None] = []
    here = Bell(directory, KEY)
    here.on_ring = heard.append
    yield here, heard
    here.close()


async def heard_within(heard: list[frozenset[str] | None], count: int) -> None:
    deadline = time.monotonic() + SAY_SECONDS
    while len(heard) < count:
        assert time.monotonic() < deadline, f"heard {heard}, expected {count} call(s)"
        await asyncio.sleep(0.01)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


async def test_a_ring_reaches_the_other_process_with_its_types(
    start_peer: Callable[[str], Peer], bell: tuple[Bell, list[frozenset[str] | None]]
) -> None:
    peer = await ready(start_peer(KEY))
    here, heard = bell
    here.open()  # after the peer's marker is there: the list of peers is read on the ring

    here.ring(frozenset({"order.placed", "stock.reserved"}))
    assert await peer.said() == {"heard": ["order.placed", "stock.reserved"]}
    here.ring(None)
    assert await peer.said() == {"heard": None}

    # And the other way round, into this process's loop.
    peer.tell("ring invoice.issued")
    assert await peer.said() == "rang"
    await heard_within(heard, 1)
    assert heard == [frozenset({"invoice.issued"})]
    assert here.rung == 1


async def test_a_burst_of_rings_is_heard_once_as_the_union_of_its_types(
    start_peer: Callable[[str], Peer], bell: tuple[Bell, list[frozenset[str] | None]]
) -> None:
    peer = await ready(start_peer(KEY))
    here, heard = bell
    here.open()

    # This loop is held while the peer rings three times: the datagrams wait in the
    # socket, and the next read takes them all.
    peer.tell("ring order.placed;stock.reserved,order.placed;invoice.issued")
    assert peer.said_blocking() == "rang"
    await heard_within(heard, 1)
    await asyncio.sleep(0.2)
    assert heard == [frozenset({"order.placed", "stock.reserved", "invoice.issued"})]

    # A burst with an "any" in it is "any".
    peer.tell("ring order.placed;*;invoice.issued")
    assert peer.said_blocking() == "rang"
    await heard_within(heard, 2)
    await asyncio.sleep(0.2)
    assert heard[1:] == [None]


async def test_markers_whose_processes_are_gone_are_removed_by_one_ring(
    start_peer: Callable[[str], Peer], bell: tuple[Bell, list[frozenset[str] | None]]
) -> None:
    peer = await ready(start_peer(KEY))
    here, _ = bell
    # Two of them: in whatever order the folder lists the three markers, one of them
    # follows a marker found stale, and is still rung (or removed) by the same ring.
    stale = [here.markers / str(dead_pid()) for _ in range(2)]
    for marker in stale:
        marker.touch()
    here.open()
    assert (here.markers / str(os.getpid())).exists()

    here.ring(frozenset({"order.placed"}))
    assert await peer.said() == {"heard": ["order.placed"]}
    assert [m.name for m in stale if m.exists()] == []
    assert (here.markers / str(peer.pid)).exists(), "the live peer's marker stays"


async def test_a_bell_of_another_key_neither_hears_the_ring_nor_loses_its_marker(
    start_peer: Callable[[str], Peer], bell: tuple[Bell, list[frozenset[str] | None]]
) -> None:
    # Two databases, one data directory: the bells share the folder they are given.
    same = await ready(start_peer(KEY))
    other = await ready(start_peer(OTHER_KEY))
    here, _ = bell
    here.open()

    here.ring(frozenset({"order.placed"}))
    assert await same.said() == {"heard": ["order.placed"]}
    await other.says_nothing_for(0.3)

    # The other key's processes still find each other.
    other_peer = await ready(start_peer(OTHER_KEY))
    other_peer.tell("ring payment.received")
    assert await other_peer.said() == "rang"
    assert await other.said() == {"heard": ["payment.received"]}
    await same.says_nothing_for(0.3)


async def test_close_removes_the_marker_and_the_closed_bell_is_not_rung(
    start_peer: Callable[[str], Peer], bell: tuple[Bell, list[frozenset[str] | None]]
) -> None:
    peer = await ready(start_peer(KEY))
    here, heard = bell
    here.open()
    mine = here.markers / str(os.getpid())
    assert mine.exists() and (here.markers / str(peer.pid)).exists()

    peer.tell("close")
    assert await peer.said() == "closed"
    assert not (here.markers / str(peer.pid)).exists()

    here.close()
    assert not mine.exists()
    here.ring(frozenset({"order.placed"}))  # closed: rings nobody, and does not fail
    await peer.says_nothing_for(0.3)
    assert heard == []
