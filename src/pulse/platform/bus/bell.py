"""A doorbell between the processes that share one embedded stream.

The embedded bus wakes its consumers the moment a unit of work commits. That covers the
process that committed; a second process on the same database (the order flow's process
beside the API, see `pulse.flow_process`, or a command run beside the server)
would otherwise learn of the new events only at its slow poll. So each process rings the
others after a commit: one datagram, naming the event types, to each peer's socket.

Sockets are Unix datagram sockets in Linux's abstract namespace (no file to leave behind,
no path-length limit), named after the database and the process id. Each process that
listens leaves a marker file named after its pid in `directory`/<key> (one folder per
database: the data directory may serve more than one), so the others can find it; a
marker whose socket no longer answers is removed. A lost or refused datagram costs
only latency: the slow poll still finds the events. A ring only wakes: it carries no data
but event types, so a datagram from anyone else on the machine (an abstract socket has no
file permissions) costs at most a look at the stream. Elsewhere than on Linux the bell is
silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

# How long a list of peers is trusted before the directory is read again.
PEERS_SECONDS = 1.0
ALL = b"*"


def bell_key(database_url: str) -> str:
    return hashlib.sha256(database_url.encode()).hexdigest()[:16]


class Bell:
    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.key = key
        # The markers of this key's processes only: a process of another key does not
        # answer at this key's name, and would be taken for gone if its marker were here.
        self.markers = directory / key
        # Called on the loop with the types rung (None: any), once per burst of rings.
        self.on_ring: Callable[[frozenset[str] | None], None] = lambda _types: None
        self.rung = 0
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._peers: list[int] = []
        self._peers_read_at = 0.0

    @property
    def supported(self) -> bool:
        return sys.platform.startswith("linux")

    def _name(self, pid: int) -> bytes:
        return f"\0pulse-bell/{self.key}/{pid}".encode()

    def open(self) -> None:
        """Listen for the others' rings (on the running loop) and be found by them."""
        if not self.supported or self._sock is not None:
            return
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(self._name(os.getpid()))
            sock.setblocking(False)
            self.markers.mkdir(parents=True, exist_ok=True)
            (self.markers / str(os.getpid())).touch()
        except OSError as exc:
            sock.close()
            log.warning("bell_unavailable", error=str(exc))
            return
        self._sock = sock
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._read)
        self._peers_read_at = 0.0

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(sock.fileno())
        sock.close()
        with contextlib.suppress(OSError):
            (self.markers / str(os.getpid())).unlink()

    def ring(self, types: frozenset[str] | None) -> None:
        """Tell every other process listening on this database that events were committed."""
        sock = self._sock
        if sock is None:
            return
        payload = ALL if types is None else ",".join(sorted(types)).encode()
        # A copy: a peer found gone is dropped from the list while it is walked.
        for pid in tuple(self._others()):
            try:
                sock.sendto(payload, self._name(pid))
            except (ConnectionRefusedError, FileNotFoundError):
                self._forget(pid)  # that process is gone
            except OSError:
                pass  # its queue is full: it is busy, and will read what is there

    def _others(self) -> list[int]:
        now = time.monotonic()
        if now - self._peers_read_at > PEERS_SECONDS:
            self._peers_read_at = now
            me = os.getpid()
            try:
                names = os.listdir(self.markers)
            except OSError:
                names = []
            self._peers = [int(n) for n in names if n.isdigit() and int(n) != me]
        return self._peers

    def _forget(self, pid: int) -> None:
        with contextlib.suppress(OSError):
            (self.markers / str(pid)).unlink()
        with contextlib.suppress(ValueError):
            self._peers.remove(pid)

    def _read(self) -> None:
        sock = self._sock
        if sock is None:
            return
        types: set[str] | None = set()
        while True:
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            if types is not None:
                if data == ALL:
                    types = None
                else:
                    types.update(t for t in data.decode(errors="replace").split(",") if t)
        self.rung += 1
        self.on_ring(None if types is None else frozenset(types))
